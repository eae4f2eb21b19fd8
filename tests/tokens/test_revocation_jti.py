"""Single access tokens revoked by ``jti`` (RFC 7009), beside the per-user not-before times."""

from __future__ import annotations

import pytest

from ticketbooth.tokens import RevocationList

NOW = 1_800_000_000.0
LIFETIME = 3600


class Clock:
    def __init__(self) -> None:
        self.value = NOW

    def now(self) -> float:
        return self.value


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def revocations(clock: Clock) -> RevocationList:
    return RevocationList(token_lifetime=LIFETIME, leeway=5, now=clock.now)


def test_a_revoked_jti_is_refused_and_others_are_not(revocations: RevocationList) -> None:
    revocations.revoke_jti("abc", NOW + 60)
    assert len(revocations) == 1
    assert revocations.is_revoked({"sub": "svc", "jti": "abc", "iat": NOW})
    assert not revocations.is_revoked({"sub": "svc", "jti": "other", "iat": NOW})
    assert not revocations.is_revoked({"sub": "svc", "jti": 42, "iat": NOW})
    assert not revocations.is_revoked({"sub": "svc", "iat": NOW})


def test_no_jti_entries_skip_the_lookup(revocations: RevocationList) -> None:
    assert not revocations.is_revoked({"sub": "svc", "jti": "abc", "iat": NOW})


def test_the_later_expiry_is_kept(revocations: RevocationList, clock: Clock) -> None:
    revocations.update_jtis({"abc": NOW + 100})
    revocations.revoke_jti("abc", NOW + 10)  # earlier: ignored
    clock.value = NOW + 50
    assert revocations.prune() == 0
    assert revocations.is_revoked({"sub": "svc", "jti": "abc"})


def test_an_entry_is_pruned_once_its_token_expired_beyond_the_leeway(
    revocations: RevocationList, clock: Clock
) -> None:
    revocations.revoke_jti("abc", NOW + 60)
    clock.value = NOW + 65  # exp + leeway: a token could still pass
    assert revocations.prune() == 0
    clock.value = NOW + 65.5
    assert revocations.prune() == 1
    assert len(revocations) == 0
    assert not revocations.is_revoked({"sub": "svc", "jti": "abc"})
