"""Revocation by session (issue 11): ending one login leaves the user's others alone."""

from __future__ import annotations

from typing import Any

import pytest

from ticketbooth.tokens import (
    Key,
    KeySet,
    RevocationList,
    RevokedTokenError,
    TokenIssuer,
    TokenValidator,
    ValidationParameters,
)

from .conftest import AUDIENCE, ISSUER, LIFETIME, NOW, Clock


@pytest.fixture
def revocations(clock: Clock) -> RevocationList:
    return RevocationList(token_lifetime=LIFETIME, leeway=5, now=clock.now)


@pytest.mark.parametrize(
    ("claims", "revoked"),
    [
        ({"sub": "42", "sid": "s1", "iat": NOW}, True),
        ({"sub": "42", "sid": "s1", "iat": NOW + 1}, False),
        ({"sub": "42", "sid": "s2", "iat": NOW - 1}, False),
        ({"sub": "42", "iat": NOW - 1}, False),
        ({"sub": "42", "sid": 7, "iat": NOW - 1}, False),
        ({"sub": "42", "sid": "s1"}, True),
    ],
    ids=["same-second", "after", "other-session", "no-sid", "sid-not-a-string", "no-iat"],
)
def test_session_revocation_covers_only_that_session(
    revocations: RevocationList, claims: dict[str, Any], revoked: bool
) -> None:
    revocations.revoke_session("s1", NOW)
    assert revocations.is_revoked(claims) is revoked


def test_user_and_session_revocations_combine(revocations: RevocationList) -> None:
    revocations.revoke("42", NOW - 10)
    revocations.revoke_session("s1", NOW)
    assert revocations.is_revoked({"sub": "42", "sid": "s1", "iat": NOW - 5})
    assert not revocations.is_revoked({"sub": "42", "sid": "s2", "iat": NOW - 5})
    assert revocations.is_revoked({"sub": "42", "sid": "s2", "iat": NOW - 10})


def test_update_applies_sessions_and_prune_drops_them(
    revocations: RevocationList, clock: Clock
) -> None:
    revocations.update({}, {"s1": NOW, "s2": NOW + 100})
    revocations.revoke_session("s1", NOW - 1)  # older: ignored
    assert len(revocations) == 2
    clock.advance(LIFETIME + 5 + 2)
    assert revocations.prune() == 1
    assert revocations.is_revoked({"sub": "1", "sid": "s2", "iat": NOW})
    assert not revocations.is_revoked({"sub": "1", "sid": "s1", "iat": NOW})


def test_validator_refuses_tokens_of_a_revoked_session(
    issuer: TokenIssuer, key: Key, clock: Clock, revocations: RevocationList
) -> None:
    validator = TokenValidator(
        KeySet([key]),
        ValidationParameters(issuer=ISSUER, audience=AUDIENCE),
        now=clock.now,
        revocations=revocations,
        cache_size=8,
    )
    laptop = issuer.issue(subject="42", name="john", role="User", session_id="s1").token
    phone = issuer.issue(subject="42", name="john", role="User", session_id="s2").token
    validator.validate(laptop)
    revocations.revoke_session("s1", NOW)
    with pytest.raises(RevokedTokenError) as info:
        validator.validate(laptop)
    assert info.value.subject == "42"
    assert validator.validate(phone)["sid"] == "s2"
