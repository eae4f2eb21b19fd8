"""Fixtures for the token core: one key per algorithm, a movable clock, and factories.

Every suite that takes the ``key`` fixture runs once per algorithm (HS256, RS256, ES256,
EdDSA); ``asymmetric_key`` runs over the three public-key algorithms only.  Keys are
generated once per session: RSA generation is the slow part of this directory.
"""

from __future__ import annotations

import base64
import functools
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ticketbooth.tokens import (
    ALGORITHMS,
    Key,
    KeySet,
    TokenIssuer,
    TokenValidator,
    ValidationParameters,
)

NOW = 1_700_000_000
"""The frozen epoch second every test starts at."""
ISSUER = "https://auth.example.test"
AUDIENCE = "example-api"
LIFETIME = 300
SECRET = b"0123456789abcdef0123456789abcdef-test-only"

ASYMMETRIC = tuple(alg for alg in ALGORITHMS if alg != "HS256")

all_algorithms = pytest.mark.parametrize("alg", ALGORITHMS)
"""Run a test once per supported algorithm, as ``alg``."""
asymmetric_algorithms = pytest.mark.parametrize("alg", ASYMMETRIC)
"""Run a test once per public-key algorithm, as ``alg``."""


def make_key(alg: str, *, kid: str | None = None) -> Key:
    """A fresh key for ``alg`` (2048-bit RSA, for speed); ``kid`` overrides the thumbprint."""
    key = Key.generate(alg, rsa_bits=2048)
    if kid is None:
        return key
    if alg == "HS256":
        return Key.from_secret(key.export_private(), kid=kid)
    return Key.from_pem(alg, key.export_private(), kid=kid)


@functools.cache
def shared_key(alg: str) -> Key:
    """The session's one key for ``alg`` (what the ``key`` fixture gives)."""
    return make_key(alg)


@pytest.fixture(scope="session", params=ALGORITHMS)
def key(request: pytest.FixtureRequest) -> Key:
    """A signing key, once per algorithm."""
    return shared_key(request.param)


@pytest.fixture(scope="session", params=ASYMMETRIC)
def asymmetric_key(request: pytest.FixtureRequest) -> Key:
    """A public-key signing key, once per asymmetric algorithm."""
    return shared_key(request.param)


@dataclass
class Clock:
    """A clock the test moves by hand; pass ``clock.now`` as ``now=``."""

    time: float = NOW

    def now(self) -> float:
        return self.time

    def advance(self, seconds: float) -> None:
        self.time += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def params() -> ValidationParameters:
    return ValidationParameters(issuer=ISSUER, audience=AUDIENCE)


@pytest.fixture
def issuer(key: Key, clock: Clock) -> TokenIssuer:
    """An issuer signing with ``key`` at ``clock``."""
    return TokenIssuer(
        KeySet([key]), issuer=ISSUER, audience=AUDIENCE, lifetime=LIFETIME, now=clock.now
    )


ValidatorFactory = Callable[..., TokenValidator]


@pytest.fixture
def validator_factory(key: Key, clock: Clock) -> ValidatorFactory:
    """Build a validator for ``key`` at ``clock``; keyword arguments go to the parameters."""

    def factory(keys: KeySet | None = None, **overrides: Any) -> TokenValidator:
        settings: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, **overrides}
        return TokenValidator(
            keys if keys is not None else KeySet([key]),
            ValidationParameters(**settings),
            now=clock.now,
        )

    return factory


@pytest.fixture
def validator(validator_factory: ValidatorFactory) -> TokenValidator:
    return validator_factory()


# -- hand-made tokens ---------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def segment(value: Any) -> str:
    """A JSON value as an encoded segment (any JSON, not only objects)."""
    return b64(json.dumps(value, separators=(",", ":")).encode())


def sign_raw(encoded_header: str, encoded_payload: str, key: Key) -> str:
    """A compact token over arbitrary encoded segments, correctly signed by ``key``."""
    signing_input = f"{encoded_header}.{encoded_payload}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode('ascii')))}"


def hmac_forge(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    """An HS256 token whose secret is anything, even a public key (the confusion attack)."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    mac = hmac.digest(secret, signing_input.encode("ascii"), "sha256")
    return f"{signing_input}.{b64(mac)}"


DROP: Any = object()
"""Pass as a claim's value to :func:`claims_at` to leave the claim out."""


def claims_at(**overrides: Any) -> dict[str, Any]:
    """A complete claim set, valid at ``NOW``; ``name=DROP`` leaves ``name`` out."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "42",
        "name": "john",
        "role": "User",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + LIFETIME,
        "jti": "jti-1",
    }
    for name, value in overrides.items():
        if value is DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def header_for(key: Key, **overrides: Any) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": key.alg, "typ": "JWT", "kid": key.kid}
    header.update(overrides)
    return header


def flip_byte(segment_text: str, index: int = 0) -> str:
    """The segment with one decoded byte changed (not merely a padding bit)."""
    raw = bytearray(unb64(segment_text))
    raw[index] ^= 0x01
    return b64(bytes(raw))
