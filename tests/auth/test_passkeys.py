"""Passkeys in process with a frozen clock, on both engines: challenge lifetime and
storage, the per-user limit, and the relying party a deployment's settings make."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.passkeys.authenticator import SoftAuthenticator
from tests.servers import scrub_ticketbooth_env
from ticketbooth.auth.passkeys import CHALLENGE_SECONDS, MAX_PASSKEYS, RelyingParty
from ticketbooth.auth.passkeys.service import REGISTRATION_OVER, TOO_MANY
from ticketbooth.config import Settings, load_settings
from ticketbooth.errors import (
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InvalidPasskeyError,
)
from ticketbooth.store.records import UserRecord
from ticketbooth.testing import AuthHarness, FrozenClock

ORIGIN = "https://auth.example.com"
STORED = text("SELECT challenge_hash FROM passkey_challenges")


@pytest.fixture
def harness(tmp_path: Path, database_url: str) -> Iterator[AuthHarness]:
    made = AuthHarness.create(tmp_path, FrozenClock(), database_url=database_url, public_url=ORIGIN)
    yield made
    made.close()


@pytest.fixture
def zoe(harness: AuthHarness) -> UserRecord:
    return harness.add_user("zoe")


def _register(harness: AuthHarness, user: UserRecord, phone: SoftAuthenticator) -> None:
    passkeys = harness.services.passkeys
    passkeys.register(user, "Phone", phone.create(passkeys.registration_options(user)))


def test_a_sign_in_challenge_lives_five_minutes(harness: AuthHarness, zoe: UserRecord) -> None:
    phone = SoftAuthenticator(ORIGIN)
    _register(harness, zoe, phone)
    passkeys = harness.services.passkeys
    in_time = passkeys.login_options()
    too_late = passkeys.login_options()
    harness.clock.advance(CHALLENGE_SECONDS - 1)
    assert passkeys.login(phone.get(in_time)).user.username == "zoe"
    harness.clock.advance(1)

    with pytest.raises(InvalidPasskeyError) as info:
        passkeys.login(phone.get(too_late))

    assert info.value.reason == "unknown_challenge"
    assert info.value.message == "The passkey was not accepted"


def test_a_registration_challenge_lives_five_minutes(harness: AuthHarness, zoe: UserRecord) -> None:
    passkeys = harness.services.passkeys
    options = passkeys.registration_options(zoe)
    harness.clock.advance(CHALLENGE_SECONDS)

    with pytest.raises(BadRequestError) as info:
        passkeys.register(zoe, "Phone", SoftAuthenticator(ORIGIN).create(options))

    assert info.value.message == REGISTRATION_OVER
    assert passkeys.list(zoe.id) == []


def test_challenges_are_stored_hashed_and_expired_ones_purged(
    harness: AuthHarness, zoe: UserRecord
) -> None:
    passkeys = harness.services.passkeys
    first = passkeys.login_options()["challenge"]
    harness.clock.advance(CHALLENGE_SECONDS)
    second = passkeys.registration_options(zoe)["challenge"]
    with harness.services.db.read() as session:
        stored = set(
            session.execute(text("SELECT challenge_hash FROM passkey_challenges")).scalars()
        )
    raw = [base64.urlsafe_b64decode(c + "==") for c in (first, second)]
    assert stored == {hashlib.sha256(r).hexdigest() for r in raw}

    assert passkeys.purge() == 1
    assert passkeys.purge() == 0
    with harness.services.db.read() as session:
        left = set(session.execute(STORED).scalars())
    assert left == {hashlib.sha256(raw[1]).hexdigest()}


def test_a_user_holds_at_most_twenty_passkeys(harness: AuthHarness, zoe: UserRecord) -> None:
    passkeys = harness.services.passkeys
    for _ in range(MAX_PASSKEYS - 1):
        _register(harness, zoe, SoftAuthenticator(ORIGIN))
    raced = passkeys.registration_options(zoe)  # asked for at 19, answered at 20
    _register(harness, zoe, SoftAuthenticator(ORIGIN))

    with pytest.raises(ConflictError) as early:
        passkeys.registration_options(zoe)
    with pytest.raises(ConflictError) as late:
        passkeys.register(zoe, "One more", SoftAuthenticator(ORIGIN).create(raced))

    assert early.value.message == late.value.message == TOO_MANY
    assert passkeys.count(zoe.id) == MAX_PASSKEYS


def test_the_relying_party_comes_from_the_public_url() -> None:
    rp = RelyingParty.create(public_url="https://Auth.Example.com:443/base", name="tb")
    assert (rp.id, rp.origins, rp.is_usable) == (
        "auth.example.com",
        ("https://auth.example.com",),
        True,
    )

    local = RelyingParty.create(
        public_url="http://localhost:8000", name="tb", extra_origins=["http://localhost:5173"]
    )
    assert local.id == "localhost"
    assert local.origins == ("http://localhost:8000", "http://localhost:5173")

    wide = RelyingParty.create(
        public_url="https://auth.example.com",
        name="tb",
        extra_origins=["https://app.example.com"],
        rp_id="example.com",
    )
    assert wide.id == "example.com"
    assert not RelyingParty.create(public_url="http://127.0.0.1:8000", name="tb").is_usable


@pytest.mark.parametrize(
    ("rp_id", "origins", "variable"),
    [
        (None, ["https://app.example.com"], "TICKETBOOTH_PASSKEY_ORIGINS"),
        (None, ["https://evilauth.example.com"], "TICKETBOOTH_PASSKEY_ORIGINS"),
        ("other.example.com", [], "TICKETBOOTH_PASSKEY_RP_ID"),
    ],
)
def test_origins_outside_the_rp_id_are_refused_at_start(
    rp_id: str | None, origins: list[str], variable: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        RelyingParty.create(
            public_url="https://auth.example.com", name="tb", extra_origins=origins, rp_id=rp_id
        )
    assert info.value.message.startswith(f"{variable}: ")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TICKETBOOTH_PASSKEY_ORIGINS", "https://app.example.com/path"),
        ("TICKETBOOTH_PASSKEY_ORIGINS", "app.example.com"),
        ("TICKETBOOTH_PASSKEY_RP_ID", "https://example.com"),
        ("TICKETBOOTH_PASSKEY_RP_ID", "exa mple.com"),
        ("TICKETBOOTH_PUBLIC_URL", "auth.example.com"),
    ],
)
def test_malformed_passkey_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)  # no ticketbooth.toml
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError) as info:
        load_settings()

    assert info.value.message.startswith(f"{variable}: ")


def test_passkey_settings_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)  # no ticketbooth.toml
    monkeypatch.setenv("TICKETBOOTH_PUBLIC_URL", "https://auth.example.com/")
    monkeypatch.setenv(
        "TICKETBOOTH_PASSKEY_ORIGINS", "https://App.example.com, https://x.example.com"
    )
    monkeypatch.setenv("TICKETBOOTH_PASSKEY_RP_ID", "Example.com")
    monkeypatch.setenv("TICKETBOOTH_CORS_ORIGINS", "https://App.example.com")

    settings = load_settings()

    assert settings.public_url == "https://auth.example.com"
    assert settings.passkey_origins == ["https://app.example.com", "https://x.example.com"]
    assert settings.passkey_rp_id == "example.com"
    # both groups' list validators run (a shared validator name once replaced CORS's)
    assert settings.cors_origins == ["https://app.example.com"]


def test_no_two_settings_groups_share_a_validator_name() -> None:
    """``Settings`` inherits every group: a validator named like another group's replaces
    it, and that group's values go unchecked (or, for lists, unparsed)."""
    seen: dict[str, str] = {}
    for group in Settings.__mro__[1:]:
        validators = group.__dict__.get("__pydantic_decorators__")
        for name in validators.field_validators if validators else {}:
            assert name not in seen, f"{group.__name__}.{name} and {seen[name]}.{name}"
            seen[name] = group.__name__
    assert {"_passkey_origins", "_origins"} <= set(seen)
