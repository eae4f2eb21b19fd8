"""SecondFactors in process with a frozen clock: expiry, sealing, windows and replays."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketbooth.auth.mfa import SIGN_IN_OVER
from ticketbooth.errors import InvalidCodeError
from ticketbooth.store.mfa import SqlMfaRepository
from ticketbooth.testing import DEFAULT_PASSWORD, AuthHarness, FrozenClock, totp_code

KEK = "k" * 40


@pytest.fixture
def harness(tmp_path: Path) -> AuthHarness:
    made = AuthHarness.create(tmp_path, FrozenClock(), key_encryption_key=KEK)
    made.add_user("zoe")
    return made


def _challenge(harness: AuthHarness) -> str:
    pending = harness.services.auth.authenticate("zoe", DEFAULT_PASSWORD)
    assert pending.pending == ("totp", "recovery")
    return harness.services.mfa.start_challenge(pending.user, pending.methods)


def test_an_mfa_token_lives_five_minutes(harness: AuthHarness) -> None:
    secret, _ = harness.enable_totp("zoe")
    token = _challenge(harness)
    harness.clock.advance(minutes=5)

    with pytest.raises(InvalidCodeError) as info:
        harness.services.mfa.finish_challenge(token, code=totp_code(secret, at=harness.clock.now()))

    assert info.value.message == SIGN_IN_OVER


def test_codes_within_one_step_either_side_are_accepted_once(harness: AuthHarness) -> None:
    secret, _ = harness.enable_totp("zoe")  # spent the current step
    now = harness.clock.now()
    mfa = harness.services.mfa

    with pytest.raises(InvalidCodeError):  # two steps ahead: outside the window
        mfa.finish_challenge(_challenge(harness), code=totp_code(secret, at=now, offset=2))
    with pytest.raises(InvalidCodeError):  # the confirming step again: a replay
        mfa.finish_challenge(_challenge(harness), code=totp_code(secret, at=now))
    _, methods = mfa.finish_challenge(_challenge(harness), code=totp_code(secret, at=now, offset=1))
    assert methods == ("pwd", "otp")
    with pytest.raises(InvalidCodeError):  # an older step after a newer one
        mfa.finish_challenge(_challenge(harness), code=totp_code(secret, at=now, offset=-1))


def test_secrets_are_sealed_with_the_key_encryption_key(harness: AuthHarness) -> None:
    secret, _ = harness.enable_totp("zoe")
    user = harness.services.users.find("zoe")
    stored = SqlMfaRepository(harness.services.db).get_totp(user.id)
    assert stored is not None
    assert stored.secret.startswith(b"fernet1:")
    assert secret.encode() not in stored.secret
    assert harness.services.mfa.status(user.id).recovery_codes == 10
