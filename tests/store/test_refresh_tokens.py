"""SqlRefreshTokenRepository on every engine, including 20 concurrent rotations."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from tests.store.conftest import NOW, new_token
from ticketbooth.store.refresh_tokens import SqlRefreshTokenRepository


def test_add_and_find_by_hash(refresh_tokens: SqlRefreshTokenRepository, user) -> None:
    record = new_token(user.id)
    refresh_tokens.add(record)
    assert refresh_tokens.find_by_hash(record.token_hash) == record


def test_find_unknown_hash_is_none(refresh_tokens: SqlRefreshTokenRepository) -> None:
    assert refresh_tokens.find_by_hash("0" * 64) is None


def test_rotate_succeeds_once(refresh_tokens: SqlRefreshTokenRepository, user, token_factory):
    old = token_factory(user.id)
    first = new_token(user.id, family_id=old.family_id, parent_id=old.id)
    second = new_token(user.id, family_id=old.family_id, parent_id=old.id)

    assert refresh_tokens.rotate(old.id, first, NOW) is True
    assert refresh_tokens.rotate(old.id, second, NOW) is False

    rotated = refresh_tokens.find_by_hash(old.token_hash)
    assert rotated is not None
    assert (rotated.revoked_at, rotated.revoked_reason, rotated.replaced_by) == (
        NOW,
        "rotated",
        first.id,
    )
    assert refresh_tokens.find_by_hash(first.token_hash) == first
    assert refresh_tokens.find_by_hash(second.token_hash) is None


def test_rotate_unknown_id_is_false(refresh_tokens: SqlRefreshTokenRepository, user) -> None:
    new = new_token(user.id)
    assert refresh_tokens.rotate("no-such-id", new, NOW) is False
    assert refresh_tokens.find_by_hash(new.token_hash) is None


def test_expired_token_cannot_rotate(
    refresh_tokens: SqlRefreshTokenRepository, user, token_factory
):
    old = token_factory(user.id, lifetime=timedelta(hours=1))
    new = new_token(user.id, family_id=old.family_id, parent_id=old.id)
    assert refresh_tokens.rotate(old.id, new, NOW + timedelta(hours=1)) is False
    assert refresh_tokens.find_by_hash(new.token_hash) is None
    unchanged = refresh_tokens.find_by_hash(old.token_hash)
    assert unchanged is not None
    assert unchanged.revoked_at is None


def test_revoked_token_cannot_rotate(
    refresh_tokens: SqlRefreshTokenRepository, user, token_factory
):
    old = token_factory(user.id)
    assert refresh_tokens.revoke_user(user.id, "logout", NOW) == 1
    new = new_token(user.id, family_id=old.family_id, parent_id=old.id)
    assert refresh_tokens.rotate(old.id, new, NOW) is False


def test_revoke_family_touches_only_that_family(
    refresh_tokens: SqlRefreshTokenRepository, user, token_factory
) -> None:
    first = token_factory(user.id)
    child = new_token(user.id, family_id=first.family_id, parent_id=first.id)
    assert refresh_tokens.rotate(first.id, child, NOW)
    other_family = token_factory(user.id)

    later = NOW + timedelta(minutes=5)
    assert refresh_tokens.revoke_family(first.family_id, "reuse-detected", later) == 1

    rotated = refresh_tokens.find_by_hash(first.token_hash)
    revoked = refresh_tokens.find_by_hash(child.token_hash)
    untouched = refresh_tokens.find_by_hash(other_family.token_hash)
    assert rotated is not None and revoked is not None and untouched is not None
    # Already-revoked rows keep their reason and time.
    assert (rotated.revoked_at, rotated.revoked_reason) == (NOW, "rotated")
    assert (revoked.revoked_at, revoked.revoked_reason) == (later, "reuse-detected")
    assert (untouched.revoked_at, untouched.revoked_reason) == (None, None)


def test_revoke_user_touches_only_that_user(
    refresh_tokens: SqlRefreshTokenRepository, user, user_factory, token_factory
) -> None:
    other = user_factory("bob")
    mine = [token_factory(user.id), token_factory(user.id)]
    theirs = token_factory(other.id)

    assert refresh_tokens.revoke_user(user.id, "logout", NOW) == 2
    assert refresh_tokens.revoke_user(user.id, "logout", NOW) == 0

    for record in mine:
        found = refresh_tokens.find_by_hash(record.token_hash)
        assert found is not None
        assert (found.revoked_at, found.revoked_reason) == (NOW, "logout")
    found = refresh_tokens.find_by_hash(theirs.token_hash)
    assert found is not None
    assert found.revoked_at is None


def test_concurrent_rotations_of_one_token_succeed_exactly_once(
    refresh_tokens: SqlRefreshTokenRepository, user, token_factory
) -> None:
    threads = 20
    old = token_factory(user.id)
    successors = [
        new_token(user.id, family_id=old.family_id, parent_id=old.id) for _ in range(threads)
    ]
    start = threading.Barrier(threads)

    def rotate(index: int) -> bool:
        start.wait(timeout=30)
        return refresh_tokens.rotate(old.id, successors[index], NOW)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(rotate, range(threads)))

    assert results.count(True) == 1
    winner = successors[results.index(True)]
    stored = [s for s in successors if refresh_tokens.find_by_hash(s.token_hash) is not None]
    assert stored == [winner]
    rotated = refresh_tokens.find_by_hash(old.token_hash)
    assert rotated is not None
    assert rotated.replaced_by == winner.id
