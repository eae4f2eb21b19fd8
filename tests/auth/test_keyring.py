"""Keyring: the signing-key lifecycle next -> active -> retiring -> retired."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.auth.conftest import ACCESS_LIFETIME, AUDIENCE, ISSUER, FakeClock
from ticketbooth.auth.keyring import Keyring
from ticketbooth.store.db import Database
from ticketbooth.store.keys import SqlKeyRepository
from ticketbooth.store.records import KeyRecord
from ticketbooth.tokens.claims import ValidationParameters
from ticketbooth.tokens.errors import ConfigurationError, NotFoundError, UnknownKeyError
from ticketbooth.tokens.issuer import TokenIssuer
from ticketbooth.tokens.keys import Key, KeySet
from ticketbooth.tokens.validator import TokenValidator

SECRET = b"an-hmac-secret-from-the-environment-0123456789"
LEEWAY = 5.0
GRACE = ACCESS_LIFETIME + LEEWAY + 1  # how long a retiring key keeps verifying

KeyringFactory = Callable[..., Keyring]


@pytest.fixture
def keyring_factory(db: Database, clock: FakeClock) -> KeyringFactory:
    def factory(
        algorithm: str = "HS256",
        secret: bytes | None = None,
        encryption_key: bytes | None = None,
    ) -> Keyring:
        return Keyring(
            SqlKeyRepository(db),
            algorithm=algorithm,
            secret=secret,
            encryption_key=encryption_key,
            token_lifetime=ACCESS_LIFETIME,
            leeway=LEEWAY,
            now=clock.now,
        )

    return factory


@pytest.fixture
def keyring(keyring_factory: KeyringFactory) -> Keyring:
    return keyring_factory()


def rotate(keyring: Keyring) -> tuple[KeyRecord, KeyRecord]:
    rotated = keyring.rotate()
    assert rotated is not None, "nobody else rotates in these tests"
    return rotated


def states(keyring: Keyring) -> dict[str, str]:
    return {r.kid: r.state for r in keyring.list()}


def sign(keys: KeySet, clock: FakeClock) -> str:
    issuer = TokenIssuer(
        keys, issuer=ISSUER, audience=AUDIENCE, lifetime=ACCESS_LIFETIME, now=clock.now
    )
    return issuer.issue(subject="1", name="john", role="User").token


def validate(keys: KeySet, token: str, clock: FakeClock) -> str:
    """The subject of a valid token."""
    params = ValidationParameters(issuer=ISSUER, audience=AUDIENCE)
    return str(TokenValidator(keys, params, now=clock.now).validate(token)["sub"])


def test_ensure_active_creates_one_key_on_first_run(keyring: Keyring, clock: FakeClock) -> None:
    assert keyring.list() == []
    keyring.ensure_active()
    keyring.ensure_active()

    (record,) = keyring.list()
    assert (record.alg, record.state) == ("HS256", "active")
    assert record.activated_at is not None
    assert record.activated_at.timestamp() == clock.now()
    assert keyring.load().signing_key.kid == record.kid
    assert keyring.uses_env_secret is False


def test_load_before_any_key_is_a_configuration_error(keyring: Keyring) -> None:
    with pytest.raises(ConfigurationError) as info:
        keyring.load()
    assert "keys generate" in info.value.message


def test_generate_makes_a_new_active_key_and_retires_the_old_one_later(
    keyring: Keyring, clock: FakeClock
) -> None:
    keyring.ensure_active()
    (old,) = keyring.list()
    old_token = sign(keyring.load(), clock)
    clock.advance(10)

    new = keyring.generate()

    assert states(keyring) == {old.kid: "retiring", new.kid: "active"}
    retiring = next(r for r in keyring.list() if r.kid == old.kid)
    assert retiring.retire_after is not None
    assert retiring.retire_after.timestamp() == clock.now() + GRACE
    keys = keyring.load()
    assert keys.signing_key.kid == new.kid
    assert {k.kid for k in keys} == {old.kid, new.kid}
    assert validate(keys, old_token, clock) == "1"  # the old key still verifies


def test_generate_another_algorithm(keyring: Keyring) -> None:
    keyring.ensure_active()
    record = keyring.generate("ES256")
    assert (record.alg, record.state) == ("ES256", "active")
    assert keyring.load().signing_key.alg == "ES256"


def test_generate_an_unknown_algorithm_is_refused(keyring: Keyring) -> None:
    keyring.ensure_active()
    before = keyring.list()
    with pytest.raises(ConfigurationError) as info:
        keyring.generate("none")
    assert "'none'" in info.value.message
    assert keyring.list() == before


def test_rotate_promotes_next_and_publishes_a_new_next(keyring: Keyring, clock: FakeClock):
    keyring.ensure_active()
    (first,) = keyring.list()

    active, upcoming = rotate(keyring)  # no next yet: one is made active at once
    assert states(keyring) == {first.kid: "retiring", active.kid: "active", upcoming.kid: "next"}
    keys = keyring.load()
    assert keys.signing_key.kid == active.kid
    assert upcoming.kid in {k.kid for k in keys}  # published before it signs

    clock.advance(60)
    promoted, newest = rotate(keyring)
    assert promoted.kid == upcoming.kid
    assert states(keyring)[upcoming.kid] == "active"
    assert states(keyring)[active.kid] == "retiring"
    assert states(keyring)[newest.kid] == "next"
    promoted_record = next(r for r in keyring.list() if r.kid == promoted.kid)
    assert promoted_record.activated_at is not None
    assert promoted_record.activated_at.timestamp() == clock.now()
    assert keyring.load().signing_key.kid == upcoming.kid


def test_retire_removes_a_key_from_the_key_set(keyring: Keyring, clock: FakeClock) -> None:
    keyring.ensure_active()
    (old,) = keyring.list()
    token = sign(keyring.load(), clock)
    keyring.generate()

    keyring.retire(old.kid)

    assert states(keyring)[old.kid] == "retired"
    keys = keyring.load()
    assert old.kid not in {k.kid for k in keys}
    with pytest.raises(UnknownKeyError) as info:
        validate(keys, token, clock)
    assert info.value.kid == old.kid


def test_retire_an_unknown_kid(keyring: Keyring) -> None:
    keyring.ensure_active()
    with pytest.raises(NotFoundError) as info:
        keyring.retire("no-such-kid")
    assert "no-such-kid" in info.value.message


def test_retire_the_only_active_key_is_refused(keyring: Keyring) -> None:
    keyring.ensure_active()
    (only,) = keyring.list()
    with pytest.raises(ConfigurationError) as info:
        keyring.retire(only.kid)
    assert "only active key" in info.value.message
    assert states(keyring) == {only.kid: "active"}


def test_a_retiring_key_retires_itself_after_retire_after(
    keyring: Keyring, clock: FakeClock
) -> None:
    keyring.ensure_active()
    (old,) = keyring.list()
    keyring.generate()

    clock.advance(GRACE - 1)
    assert old.kid in {k.kid for k in keyring.load()}
    assert states(keyring)[old.kid] == "retiring"

    clock.advance(1)
    assert old.kid not in {k.kid for k in keyring.load()}
    retired = next(r for r in keyring.list() if r.kid == old.kid)
    assert retired.state == "retired"
    assert retired.retired_at is not None
    assert retired.retired_at.timestamp() == clock.now()


def test_env_secret_signs_and_refuses_key_management(keyring_factory: KeyringFactory, clock):
    stored = keyring_factory()
    stored.ensure_active()
    (db_key,) = stored.list()
    old_token = sign(stored.load(), clock)

    keyring = keyring_factory(secret=SECRET)
    keyring.ensure_active()

    assert keyring.uses_env_secret is True
    assert states(keyring) == {db_key.kid: "retiring"}
    keys = keyring.load()
    assert keys.signing_key.kid == Key.from_secret(SECRET).kid
    assert validate(keys, old_token, clock) == "1"
    for manage in (keyring.generate, keyring.rotate):
        with pytest.raises(ConfigurationError) as info:
            manage()
        assert "TICKETBOOTH_SECRET_KEY" in info.value.message
    assert states(keyring) == {db_key.kid: "retiring"}


def test_switching_algorithm_keeps_the_old_key_verifying(
    keyring_factory: KeyringFactory, clock: FakeClock
) -> None:
    hs256 = keyring_factory("HS256")
    hs256.ensure_active()
    old_token = sign(hs256.load(), clock)
    clock.advance(30)

    es256 = keyring_factory("ES256")
    es256.ensure_active()

    keys = es256.load()
    assert keys.signing_key.alg == "ES256"
    assert sorted(r.state for r in es256.list()) == ["active", "retiring"]
    assert validate(keys, old_token, clock) == "1"
    assert validate(keys, sign(keys, clock), clock) == "1"
    (jwk,) = keys.export_jwks()["keys"]  # the HMAC key is never published
    assert (jwk["kid"], jwk["kty"]) == (keys.signing_key.kid, "EC")

    clock.advance(GRACE)
    with pytest.raises(UnknownKeyError):
        validate(es256.load(), old_token, clock)


def test_publish_next_publishes_one_key(keyring: Keyring) -> None:
    keyring.ensure_active()
    published = keyring.publish_next()
    assert published is not None
    assert keyring.publish_next() is None
    assert sorted(states(keyring).values()) == ["active", "next"]
    keys = keyring.load()
    assert published.kid in {k.kid for k in keys}
    assert keys.signing_key.kid != published.kid


def test_publish_next_with_an_env_secret(keyring_factory: KeyringFactory) -> None:
    keyring = keyring_factory(secret=SECRET)
    assert keyring.publish_next() is None
    assert keyring.list() == []


def test_rotate_if_due(keyring: Keyring, clock: FakeClock) -> None:
    keyring.ensure_active()
    (first,) = keyring.list()
    clock.advance(86400 - 1)
    assert keyring.rotate_if_due(1) is None
    clock.advance(1)
    rotated = keyring.rotate_if_due(1)
    assert rotated is not None
    assert states(keyring)[first.kid] == "retiring"
    assert keyring.rotate_if_due(1) is None  # the new key is not due yet


ENCRYPTION_KEY = b"0123456789abcdef0123456789abcdef"


def test_keys_are_encrypted_at_rest(keyring_factory: KeyringFactory, clock: FakeClock) -> None:
    keyring = keyring_factory("ES256", encryption_key=ENCRYPTION_KEY)
    keyring.ensure_active()
    (record,) = keyring.list()
    assert record.material.startswith(b"fernet1:")
    assert b"PRIVATE KEY" not in record.material
    keys = keyring.load()
    assert validate(keys, sign(keys, clock), clock) == "1"


@pytest.mark.parametrize("wrong", [None, b"another-key-that-is-long-enough-000"])
def test_encrypted_keys_need_the_right_encryption_key(
    keyring_factory: KeyringFactory, wrong: bytes | None
) -> None:
    keyring_factory(encryption_key=ENCRYPTION_KEY).ensure_active()
    with pytest.raises(ConfigurationError) as info:
        keyring_factory(encryption_key=wrong).load()
    assert "TICKETBOOTH_KEY_ENCRYPTION_KEY" in info.value.message
