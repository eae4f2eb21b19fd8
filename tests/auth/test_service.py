"""AuthService: login, refresh rotation with reuse detection, logout."""

from __future__ import annotations

from pathlib import Path

import argon2
import pytest

from tests.auth.conftest import (
    ACCESS_LIFETIME,
    AUDIENCE,
    PASSWORD,
    REFRESH_LIFETIME,
    FakeClock,
    World,
    WorldFactory,
    fast_hasher,
)
from tests.servers import scrub_ticketbooth_env
from ticketbooth.assembly import build
from ticketbooth.auth.audit import RequestContext
from ticketbooth.auth.passwords import PasswordHasher
from ticketbooth.auth.ratelimit import LoginLimiter
from ticketbooth.auth.service import hash_refresh_token
from ticketbooth.config import load_settings
from ticketbooth.tokens.errors import (
    ExpiredTokenError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    RateLimitedError,
    RefreshTokenReuseError,
)

CONTEXT = RequestContext(address="192.0.2.1")
OTHER_CONTEXT = RequestContext(address="198.51.100.7")


def family_of(world: World, refresh_token: str) -> str:
    record = world.refresh_tokens.find_by_hash(hash_refresh_token(refresh_token))
    assert record is not None
    return record.family_id


# -- login ------------------------------------------------------------------------------


def test_login_issues_a_valid_access_token_and_a_refresh_token(world: World) -> None:
    user = world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)

    assert pair.user == user
    assert pair.expires_in == ACCESS_LIFETIME
    assert pair.refresh_expires_at.timestamp() == world.clock.now() + REFRESH_LIFETIME
    claims = world.validator.validate(pair.access_token)
    assert claims["sub"] == str(user.id)
    assert (claims["name"], claims["role"], claims["email"]) == ("john", "User", "john@example.com")
    assert claims["aud"] == AUDIENCE
    stored = world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert stored is not None
    assert (stored.user_id, stored.parent_id, stored.revoked_at) == (user.id, None, None)
    assert pair.refresh_token not in repr(pair)
    assert pair.access_token not in repr(pair)


def test_each_login_starts_a_new_family(world: World) -> None:
    world.add_user()
    first = world.auth.login("john", PASSWORD, context=CONTEXT)
    second = world.auth.login("john", PASSWORD, context=CONTEXT)
    assert family_of(world, first.refresh_token) != family_of(world, second.refresh_token)


@pytest.mark.parametrize("case", ["unknown user", "wrong password", "disabled user"])
def test_failed_logins_look_identical(world: World, case: str) -> None:
    world.add_user()
    if case == "disabled user":
        world.admin.set_disabled("john", is_disabled=True)
    username = "nobody" if case == "unknown user" else "john"
    password = "wrong password!" if case == "wrong password" else PASSWORD

    with pytest.raises(InvalidCredentialsError) as info:
        world.auth.login(username, password, context=CONTEXT)

    assert type(info.value) is InvalidCredentialsError
    assert info.value.message == "Invalid credentials"
    assert info.value.args == ("Invalid credentials",)
    assert vars(info.value) == {}  # no attribute tells the cases apart


def test_unknown_user_still_spends_a_password_verification(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(world.hasher, "verify_dummy", lambda password: calls.append(password))
    with pytest.raises(InvalidCredentialsError):
        world.auth.login("nobody", "some password", context=CONTEXT)
    assert calls == ["some password"]


def test_login_upgrades_a_hash_made_with_weaker_parameters(world_factory: WorldFactory) -> None:
    world = world_factory(hasher=PasswordHasher())  # today's argon2-cffi defaults
    user = world.add_user()
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    world.users.update(user.id, password_hash=weak)
    assert world.hasher.needs_rehash(weak)

    world.auth.login("john", PASSWORD, context=CONTEXT)

    stored = world.users.get(user.id)
    assert stored is not None
    assert stored.password_hash != weak
    assert not world.hasher.needs_rehash(stored.password_hash)
    assert world.hasher.verify(stored.password_hash, PASSWORD)
    world.auth.login("john", PASSWORD, context=CONTEXT)  # the new hash works


def test_login_keeps_a_current_hash(world: World) -> None:
    user = world.add_user()
    world.auth.login("john", PASSWORD, context=CONTEXT)
    stored = world.users.get(user.id)
    assert stored is not None
    assert stored.password_hash == user.password_hash


# -- rate limits ------------------------------------------------------------------------


def fail(world: World, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentialsError):
            world.auth.login(username, "wrong password!", context=CONTEXT)


def test_ten_failures_lock_the_username_even_for_the_right_password(world: World) -> None:
    world.add_user("john")
    world.add_user("mary")
    fail(world, "john", 10)

    for password in ("wrong password!", PASSWORD):
        with pytest.raises(RateLimitedError) as info:
            world.auth.login("john", password, context=CONTEXT)
        assert info.value.retry_after > 0
    with pytest.raises(RateLimitedError):
        world.auth.login("JOHN", PASSWORD, context=OTHER_CONTEXT)  # any address, any case
    world.auth.login("mary", PASSWORD, context=CONTEXT)  # another user is unaffected


def test_nine_failures_do_not_lock(world: World) -> None:
    world.add_user()
    fail(world, "john", 9)
    world.auth.login("john", PASSWORD, context=CONTEXT)


def test_unknown_usernames_are_limited_the_same_way(world: World) -> None:
    fail(world, "ghost", 10)
    with pytest.raises(RateLimitedError):
        world.auth.login("ghost", "anything at all", context=CONTEXT)


def test_a_hundred_failures_lock_the_address(world: World) -> None:
    world.add_user()
    for i in range(100):  # a different username each time, so no username is locked
        fail(world, f"guess{i}", 1)

    with pytest.raises(RateLimitedError) as info:
        world.auth.login("john", PASSWORD, context=CONTEXT)
    assert info.value.retry_after > 0
    world.auth.login("john", PASSWORD, context=OTHER_CONTEXT)  # other addresses still work


def test_a_small_address_limit(world_factory: WorldFactory) -> None:
    world = world_factory(limiter=LoginLimiter(user_failures=100, address_failures=3))
    world.add_user()
    fail(world, "john", 3)
    with pytest.raises(RateLimitedError):
        world.auth.login("john", PASSWORD, context=CONTEXT)
    world.auth.login("john", PASSWORD, context=OTHER_CONTEXT)


def test_the_lock_lifts_when_the_window_moves_on(world: World, limits_clock: FakeClock) -> None:
    world.add_user()
    fail(world, "john", 10)
    limits_clock.advance(60)
    with pytest.raises(RateLimitedError) as info:
        world.auth.login("john", PASSWORD, context=CONTEXT)
    assert info.value.retry_after == 900 - 60 + 1

    limits_clock.advance(900 - 60)
    world.auth.login("john", PASSWORD, context=CONTEXT)


# -- refresh ----------------------------------------------------------------------------


def test_refresh_rotates_the_token(world: World) -> None:
    user = world.add_user()
    first = world.auth.login("john", PASSWORD, context=CONTEXT)
    world.clock.advance(30)

    second = world.auth.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert second.user.id == user.id
    assert second.refresh_expires_at.timestamp() == world.clock.now() + REFRESH_LIFETIME
    assert world.validator.validate(second.access_token)["sub"] == str(user.id)
    old = world.refresh_tokens.find_by_hash(hash_refresh_token(first.refresh_token))
    new = world.refresh_tokens.find_by_hash(hash_refresh_token(second.refresh_token))
    assert old is not None and new is not None
    assert (old.revoked_reason, old.replaced_by) == ("rotated", new.id)
    assert (new.parent_id, new.family_id) == (old.id, old.family_id)
    third = world.auth.refresh(second.refresh_token)  # the successor rotates in turn
    assert third.refresh_token not in {first.refresh_token, second.refresh_token}


def test_reusing_a_rotated_token_revokes_its_whole_family(world: World) -> None:
    world.add_user()
    first = world.auth.login("john", PASSWORD, context=CONTEXT)
    other_login = world.auth.login("john", PASSWORD, context=CONTEXT)
    second = world.auth.refresh(first.refresh_token)
    newest = world.auth.refresh(second.refresh_token)
    family = family_of(world, first.refresh_token)

    with pytest.raises(RefreshTokenReuseError) as info:
        world.auth.refresh(first.refresh_token)
    assert info.value.family_id == family
    assert info.value.message == "Invalid or expired refresh token"

    with pytest.raises(InvalidRefreshTokenError) as refused:
        world.auth.refresh(newest.refresh_token)  # the newest is revoked too
    assert type(refused.value) is InvalidRefreshTokenError
    record = world.refresh_tokens.find_by_hash(hash_refresh_token(newest.refresh_token))
    assert record is not None
    assert record.revoked_reason == "reuse-detected"
    world.auth.refresh(other_login.refresh_token)  # another login is untouched


def test_losing_a_rotation_race_counts_as_reuse(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    stale = world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert stale is not None
    winner = world.auth.refresh(pair.refresh_token)
    # The losing request looked the token up before the winner rotated it.
    monkeypatch.setattr(world.refresh_tokens, "find_by_hash", lambda _hash: stale)

    with pytest.raises(RefreshTokenReuseError) as info:
        world.auth.refresh(pair.refresh_token)
    assert info.value.family_id == stale.family_id

    monkeypatch.undo()
    with pytest.raises(InvalidRefreshTokenError):
        world.auth.refresh(winner.refresh_token)


def test_unknown_refresh_token_is_refused(world: World) -> None:
    with pytest.raises(InvalidRefreshTokenError) as info:
        world.auth.refresh("not-a-token-we-issued")
    assert type(info.value) is InvalidRefreshTokenError


def test_refresh_token_expires(world: World) -> None:
    world.add_user()
    early = world.auth.login("john", PASSWORD, context=CONTEXT)
    late = world.auth.login("john", PASSWORD, context=CONTEXT)

    world.clock.advance(REFRESH_LIFETIME - 1)
    world.auth.refresh(early.refresh_token)  # one second before expiry it still works
    world.clock.advance(1)
    with pytest.raises(InvalidRefreshTokenError) as info:
        world.auth.refresh(late.refresh_token)
    assert type(info.value) is InvalidRefreshTokenError


def test_refresh_refused_for_a_disabled_user(world: World) -> None:
    user = world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    world.users.update(user.id, is_disabled=True)  # bypasses UserAdmin's revocation

    with pytest.raises(InvalidRefreshTokenError) as info:
        world.auth.refresh(pair.refresh_token)
    assert type(info.value) is InvalidRefreshTokenError
    record = world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert record is not None
    assert record.revoked_reason == "user-disabled"
    world.users.update(user.id, is_disabled=False)
    with pytest.raises(InvalidRefreshTokenError):
        world.auth.refresh(pair.refresh_token)  # re-enabling does not revive it


def test_refresh_refused_for_a_deleted_user(world: World) -> None:
    world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    world.admin.delete("john")
    with pytest.raises(InvalidRefreshTokenError):
        world.auth.refresh(pair.refresh_token)


def test_logout_revokes_every_login(world: World) -> None:
    user = world.add_user()
    pairs = [world.auth.login("john", PASSWORD, context=CONTEXT) for _ in range(2)]
    pairs[1] = world.auth.refresh(pairs[1].refresh_token)

    assert world.auth.logout(user.id) == 2
    assert world.auth.logout(user.id) == 0

    for pair in pairs:
        with pytest.raises(InvalidRefreshTokenError) as info:
            world.auth.refresh(pair.refresh_token)
        assert type(info.value) is InvalidRefreshTokenError  # not mistaken for reuse


# -- assembly ---------------------------------------------------------------------------


def test_build_shares_the_injected_clock(
    database_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(database_url=database_url, access_minutes=1, refresh_days=1)
    services = build(settings, now=clock.now, hasher=fast_hasher())
    try:
        services.users.add("john", PASSWORD, role="User")
        pair = services.auth.login("john", PASSWORD, context=CONTEXT)
        clock.advance(60)
        with pytest.raises(ExpiredTokenError) as info:
            services.validator.validate(pair.access_token)
        assert info.value.expired_at == int(clock.now())
        clock.advance(86400 - 60)
        with pytest.raises(InvalidRefreshTokenError):
            services.auth.refresh(pair.refresh_token)
    finally:
        services.close()
