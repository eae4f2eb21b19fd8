"""The refresh grace window (cookie mode's two tabs), on a clock that moves only when told.

Regression tests for the bug class of keycloak#16081: two tabs sharing one cookie jar
refresh with the same token at the same moment, and strict reuse detection signs the
user out.  Inside the window the late tab gets an access token only, so the family never
holds two live refresh tokens; outside it, or once the successor moved on, it is theft.
"""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import ACCESS_LIFETIME, PASSWORD, REFRESH_LIFETIME, World
from ticketbooth.auth.audit import RequestContext
from ticketbooth.auth.service import AccessGrant, TokenPair, hash_refresh_token
from ticketbooth.store.models import RefreshToken
from ticketbooth.store.records import RefreshTokenRecord
from ticketbooth.tokens.errors import InvalidRefreshTokenError, RefreshTokenReuseError

CONTEXT = RequestContext(address="192.0.2.1")
GRACE = 10.0


def live_tokens(world: World, family_id: str) -> int:
    """How many refresh tokens of the family still work (never more than one)."""
    with world.db.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        )
    return int(count or 0)


def record_of(world: World, token: str) -> RefreshTokenRecord:
    record = world.refresh_tokens.find_by_hash(hash_refresh_token(token))
    assert record is not None
    return record


def rotated(world: World) -> tuple[TokenPair, TokenPair]:
    """A login and the pair its first refresh (the winning tab's) handed back."""
    world.add_user()
    first = world.auth.login("john", PASSWORD, context=CONTEXT)
    second = world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)
    assert isinstance(second, TokenPair)
    return first, second


def test_a_replay_inside_the_window_gets_an_access_token_only(world: World) -> None:
    first, second = rotated(world)
    world.clock.advance(GRACE - 1)

    late = world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    assert isinstance(late, AccessGrant)
    assert late.user.username == "john"
    assert late.expires_in == ACCESS_LIFETIME
    claims = world.validator.validate(late.access_token)
    assert (claims["sub"], claims["role"]) == (str(late.user.id), "User")
    assert late.access_token not in repr(late)
    family = record_of(world, first.refresh_token).family_id
    assert live_tokens(world, family) == 1  # the winner's successor, and nothing else
    assert record_of(world, second.refresh_token).revoked_at is None


def test_the_successor_keeps_rotating_after_a_grace_answer(world: World) -> None:
    first, second = rotated(world)
    world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    third = world.auth.refresh(second.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    assert isinstance(third, TokenPair)
    assert third.refresh_expires_at.timestamp() == world.clock.now() + REFRESH_LIFETIME
    assert live_tokens(world, record_of(world, first.refresh_token).family_id) == 1


def test_a_replay_at_the_end_of_the_window_is_theft(world: World) -> None:
    first, second = rotated(world)
    world.clock.advance(GRACE)

    with pytest.raises(RefreshTokenReuseError) as info:
        world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    family = record_of(world, first.refresh_token).family_id
    assert info.value.family_id == family
    assert live_tokens(world, family) == 0
    assert record_of(world, second.refresh_token).revoked_reason == "reuse-detected"


def test_a_replay_after_the_window_revokes_the_family(world: World) -> None:
    first, second = rotated(world)
    world.clock.advance(GRACE + 60)

    with pytest.raises(RefreshTokenReuseError):
        world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)
    with pytest.raises(InvalidRefreshTokenError):
        world.auth.refresh(second.refresh_token, context=CONTEXT, grace_seconds=GRACE)


def test_without_a_window_every_replay_is_theft(world: World) -> None:
    first, _second = rotated(world)

    with pytest.raises(RefreshTokenReuseError):
        world.auth.refresh(first.refresh_token, context=CONTEXT)  # the bearer API's rule


def test_a_replay_after_the_successor_rotated_is_theft(world: World) -> None:
    first, second = rotated(world)
    world.auth.refresh(second.refresh_token, context=CONTEXT, grace_seconds=GRACE)
    world.clock.advance(1)

    with pytest.raises(RefreshTokenReuseError) as info:
        world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    assert live_tokens(world, info.value.family_id) == 0


def test_a_replay_after_logout_is_refused(world: World) -> None:
    first, second = rotated(world)
    world.auth.logout(second.user.id, context=CONTEXT)

    with pytest.raises(RefreshTokenReuseError):
        world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)


def test_a_replay_for_a_disabled_user_is_refused(world: World) -> None:
    first, second = rotated(world)
    # Straight to the repository: UserAdmin.set_disabled would also revoke the successor.
    world.users.update(second.user.id, is_disabled=True)

    with pytest.raises(InvalidRefreshTokenError) as info:
        world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    assert type(info.value) is InvalidRefreshTokenError
    assert live_tokens(world, record_of(world, second.refresh_token).family_id) == 0


def test_tokens_revoked_for_another_reason_get_no_grace(world: World) -> None:
    world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    world.auth.logout(pair.user.id, context=CONTEXT)

    with pytest.raises(InvalidRefreshTokenError) as info:
        world.auth.refresh(pair.refresh_token, context=CONTEXT, grace_seconds=GRACE)
    assert type(info.value) is InvalidRefreshTokenError


def test_losing_a_rotation_race_inside_the_window_gets_an_access_token(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    stale = record_of(world, pair.refresh_token)
    winner = world.auth.refresh(pair.refresh_token, context=CONTEXT, grace_seconds=GRACE)
    # The losing tab looked the token up before the winner rotated it: its conditional
    # UPDATE changes nothing.
    monkeypatch.setattr(world.refresh_tokens, "find_by_hash", lambda _hash: stale)

    loser = world.auth.refresh(pair.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    monkeypatch.undo()
    assert isinstance(loser, AccessGrant)
    assert isinstance(winner, TokenPair)
    assert live_tokens(world, stale.family_id) == 1
    assert record_of(world, winner.refresh_token).revoked_at is None


def test_losing_a_rotation_race_without_a_window_is_still_theft(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add_user()
    pair = world.auth.login("john", PASSWORD, context=CONTEXT)
    stale = record_of(world, pair.refresh_token)
    world.auth.refresh(pair.refresh_token, context=CONTEXT)
    monkeypatch.setattr(world.refresh_tokens, "find_by_hash", lambda _hash: stale)

    with pytest.raises(RefreshTokenReuseError):
        world.auth.refresh(pair.refresh_token, context=CONTEXT, grace_seconds=0)

    monkeypatch.undo()
    assert live_tokens(world, stale.family_id) == 0


def test_a_grace_answer_is_audited_as_a_refresh(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    first, _second = rotated(world)

    with caplog.at_level(logging.INFO, logger="ticketbooth.audit"):
        world.auth.refresh(first.refresh_token, context=CONTEXT, grace_seconds=GRACE)

    event = json.loads(caplog.records[-1].getMessage())
    assert (event["event"], event["outcome"], event["username"]) == ("refresh", "success", "john")
    assert event["detail"] == {"grace": 1}
    assert event["address"] == CONTEXT.address
