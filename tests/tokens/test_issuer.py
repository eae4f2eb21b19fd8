"""Issued access tokens have exactly the header and claims of API.md, for every algorithm."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from ticketbooth.tokens import (
    ConfigurationError,
    IssuedToken,
    Key,
    KeySet,
    TokenIssuer,
    decode_unverified,
)

from .conftest import AUDIENCE, ISSUER, LIFETIME, NOW, Clock, make_key

CLAIM_NAMES = ["iss", "aud", "sub", "name", "email", "role", "iat", "nbf", "exp", "jti"]


def issue(issuer: TokenIssuer, **overrides: object) -> IssuedToken:
    arguments: dict[str, object] = {
        "subject": "42",
        "name": "john",
        "role": "User",
        "email": "john@example.com",
        **overrides,
    }
    return issuer.issue(**arguments)  # type: ignore[arg-type]


def test_header_is_alg_typ_kid(issuer: TokenIssuer, key: Key) -> None:
    header, _ = decode_unverified(issue(issuer).token)
    assert header == {"alg": key.alg, "typ": "JWT", "kid": key.kid}
    assert list(header) == ["alg", "typ", "kid"]


def test_claims_are_those_of_the_api(issuer: TokenIssuer) -> None:
    issued = issue(issuer)
    _, claims = decode_unverified(issued.token)
    assert list(claims) == CLAIM_NAMES
    assert claims == {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "42",
        "name": "john",
        "email": "john@example.com",
        "role": "User",
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + LIFETIME,
        "jti": issued.jti,
    }
    for name in ("iat", "nbf", "exp"):
        assert type(claims[name]) is int


def test_issued_token_fields(issuer: TokenIssuer, key: Key) -> None:
    issued = issue(issuer)
    _, claims = decode_unverified(issued.token)
    assert issued.expires_at == claims["exp"] == NOW + LIFETIME
    assert issued.jti == claims["jti"]
    assert issued.kid == key.kid


def test_email_omitted_when_none(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issue(issuer, email=None).token)
    assert "email" not in claims
    assert list(claims) == [name for name in CLAIM_NAMES if name != "email"]


def test_empty_email_is_still_written(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issue(issuer, email="").token)
    assert claims["email"] == ""


def test_jti_is_unique_and_unguessable(issuer: TokenIssuer) -> None:
    jtis = {issue(issuer).jti for _ in range(50)}
    assert len(jtis) == 50
    assert all(len(jti) >= 22 for jti in jtis)  # 16 random bytes


def test_times_are_whole_seconds_of_the_injected_clock(issuer: TokenIssuer, clock: Clock) -> None:
    clock.advance(0.9)
    _, claims = decode_unverified(issue(issuer).token)
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (NOW, NOW, NOW + LIFETIME)


def test_clock_moves_the_times(issuer: TokenIssuer, clock: Clock) -> None:
    clock.advance(3600)
    issued = issue(issuer)
    _, claims = decode_unverified(issued.token)
    assert claims["iat"] == NOW + 3600
    assert issued.expires_at == NOW + 3600 + LIFETIME


@pytest.mark.parametrize(
    ("lifetime", "seconds"),
    [(0.05 * 60, 3), (0.4, 1), (1, 1), (2.5, 3), (3600, 3600)],
    ids=["0.05-minutes", "under-a-second", "one", "fraction", "hour"],
)
def test_lifetime_rounds_up_to_whole_seconds(key: Key, lifetime: float, seconds: int) -> None:
    issuer = TokenIssuer(
        KeySet([key]), issuer=ISSUER, audience=AUDIENCE, lifetime=lifetime, now=lambda: NOW
    )
    assert issue(issuer).expires_at == NOW + seconds


@pytest.mark.parametrize("lifetime", [0, -1, float("nan")])
def test_lifetime_must_be_positive(lifetime: float) -> None:
    with pytest.raises(ConfigurationError) as info:
        TokenIssuer(
            KeySet([make_key("HS256")]), issuer=ISSUER, audience=AUDIENCE, lifetime=lifetime
        )
    assert info.value.message == "'lifetime' must be a positive number of seconds"


def test_extra_claims_are_added(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issue(issuer, extra={"tenant": "acme", "plan": "gold"}).token)
    assert (claims["tenant"], claims["plan"]) == ("acme", "gold")
    assert list(claims)[: len(CLAIM_NAMES)] == CLAIM_NAMES


def test_empty_extra_changes_nothing(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issue(issuer, extra={}).token)
    assert list(claims) == CLAIM_NAMES


@pytest.mark.parametrize("reserved", CLAIM_NAMES)
def test_extra_may_not_override_a_registered_claim(issuer: TokenIssuer, reserved: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        issue(issuer, extra={reserved: "x", "tenant": "acme"})
    assert info.value.message == f"extra claims may not override ['{reserved}']"


def test_extra_clash_lists_every_reserved_name_sorted(issuer: TokenIssuer) -> None:
    with pytest.raises(ConfigurationError) as info:
        issue(issuer, extra={"sub": "1", "exp": 0, "role": "Admin"})
    assert info.value.message == "extra claims may not override ['exp', 'role', 'sub']"


def test_without_a_signing_key(asymmetric_key: Key) -> None:
    jwk = asymmetric_key.export_jwk()
    assert jwk is not None
    verify_only = KeySet([Key.import_jwk(jwk)])
    issuer = TokenIssuer(verify_only, issuer=ISSUER, audience=AUDIENCE, lifetime=60)
    with pytest.raises(ConfigurationError) as info:
        issue(issuer)
    assert info.value.message == "no signing key is configured"


def test_replace_keys_signs_with_the_new_key(issuer: TokenIssuer, key: Key) -> None:
    assert issuer.keys.signing_key is key
    new = make_key(key.alg)
    issuer.replace_keys(KeySet([new, key]))
    assert issuer.keys.signing_key is new
    header, _ = decode_unverified(issue(issuer).token)
    assert header["kid"] == new.kid


def test_issued_token_repr_hides_the_token(issuer: TokenIssuer, key: Key) -> None:
    issued = issue(issuer)
    expected = f"IssuedToken(token='***', expires_at={issued.expires_at}, kid={key.kid!r})"
    assert repr(issued) == str(issued) == expected
    for part in issued.token.split("."):
        assert part not in repr(issued)


# -- interoperability -----------------------------------------------------------------


def pyjwt_key(key: Key) -> object:
    """What PyJWT verifies with: the secret, or the public key."""
    if key.is_symmetric:
        return key.export_private()
    return serialization.load_pem_private_key(key.export_private(), password=None).public_key()


def test_pyjwt_verifies_issued_tokens(issuer: TokenIssuer, key: Key) -> None:
    issued = issue(issuer)
    claims = jwt.decode(
        issued.token,
        pyjwt_key(key),  # type: ignore[arg-type]
        algorithms=[key.alg],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "nbf", "jti"]},
        leeway=10**10,  # the tests' clock is frozen in the past; time is not under test
    )
    assert claims["sub"] == "42"
    assert claims["jti"] == issued.jti
    assert jwt.get_unverified_header(issued.token) == {
        "alg": key.alg,
        "typ": "JWT",
        "kid": key.kid,
    }
