"""Token profiles (issue 11): a token of one purpose never passes as another.

Each confusion is a named negative test asserting the exception and its attributes: a
client token where a user token is expected, a token of another ``typ``, an internal
token (second-factor step, mail link) presented as an access token.
"""

from __future__ import annotations

from typing import Any

import pytest

from ticketbooth.tokens import (
    ConfigurationError,
    Key,
    KeySet,
    MalformedTokenError,
    MissingClaimError,
    TokenIssuer,
    TokenValidator,
    ValidationParameters,
    WrongIssuerError,
    _compact,
    decode_unverified,
)
from ticketbooth.tokens.claims import CHECKS, check_lifetime
from ticketbooth.tokens.errors import WrongTokenTypeError
from ticketbooth.tokens.issuer import RESERVED_CLAIMS
from ticketbooth.tokens.profiles import (
    ACCESS_PROFILES,
    CLIENT_ACCESS,
    MAIL_LINK,
    MFA_STEP,
    USER_ACCESS,
    TokenProfile,
    normalize_typ,
)

from .conftest import AUDIENCE, ISSUER, LIFETIME, NOW, Clock, claims_at, header_for


def make_validator(
    key: Key, clock: Clock, *profiles: TokenProfile, **kwargs: Any
) -> TokenValidator:
    return TokenValidator(
        KeySet([key]),
        ValidationParameters(issuer=ISSUER, audience=AUDIENCE),
        now=clock.now,
        profiles=profiles or (USER_ACCESS,),
        **kwargs,
    )


def client_token(issuer: TokenIssuer, sub: str = "42") -> str:
    return issuer.issue_token(
        CLIENT_ACCESS, subject=sub, claims={"client_id": sub, "scope": "orders:read"}
    ).token


def test_user_tokens_are_typed_jwt(issuer: TokenIssuer, key: Key, clock: Clock) -> None:
    token = issuer.issue(subject="42", name="john", role="User").token
    result = make_validator(key, clock).validate_token(token)
    assert result.profile is USER_ACCESS
    assert result.kid == key.kid
    assert result.claims["sub"] == "42"


# -- the confusions -------------------------------------------------------------------


def test_client_token_is_refused_by_a_user_validator(
    issuer: TokenIssuer, key: Key, clock: Clock
) -> None:
    with pytest.raises(WrongTokenTypeError) as info:
        make_validator(key, clock).validate(client_token(issuer))
    assert info.value.typ == "at+jwt"
    assert info.value.expected == ("jwt",)
    assert info.value.reason == "typ"
    assert info.value.description == "The token is malformed"


def test_client_token_keeps_its_kind_where_clients_are_admitted(
    issuer: TokenIssuer, key: Key, clock: Clock
) -> None:
    # An all-digit sub must not make a client token a user's.
    result = make_validator(key, clock, *ACCESS_PROFILES).validate_token(client_token(issuer))
    assert result.profile is CLIENT_ACCESS
    assert result.profile.kind == "client"


def test_typ_jwt_token_with_client_id_is_refused(
    issuer: TokenIssuer, key: Key, clock: Clock
) -> None:
    token = issuer.issue_token(USER_ACCESS, subject="42", claims={"client_id": "42"}).token
    with pytest.raises(MalformedTokenError) as info:
        make_validator(key, clock, *ACCESS_PROFILES).validate(token)
    assert info.value.reason == "client_id is not allowed in a user access token"


def test_client_token_without_client_id_is_refused(
    issuer: TokenIssuer, key: Key, clock: Clock
) -> None:
    token = issuer.issue_token(CLIENT_ACCESS, subject="svc").token
    with pytest.raises(MissingClaimError) as info:
        make_validator(key, clock, *ACCESS_PROFILES).validate(token)
    assert info.value.claim == "client_id"


@pytest.mark.parametrize("internal", [MFA_STEP, MAIL_LINK], ids=lambda p: p.name)
def test_internal_token_never_passes_as_access(
    issuer: TokenIssuer, key: Key, clock: Clock, internal: TokenProfile
) -> None:
    token = issuer.issue_token(internal, subject="42", lifetime=300).token
    with pytest.raises(WrongTokenTypeError) as info:
        make_validator(key, clock, *ACCESS_PROFILES).validate(token)
    assert info.value.typ == internal.typ
    assert info.value.expected == ("jwt", "at+jwt")


@pytest.mark.parametrize("internal", [MFA_STEP, MAIL_LINK], ids=lambda p: p.name)
def test_access_token_never_passes_as_internal(
    issuer: TokenIssuer, key: Key, clock: Clock, internal: TokenProfile
) -> None:
    token = issuer.issue(subject="42", name="john", role="User").token
    with pytest.raises(WrongTokenTypeError) as info:
        make_validator(key, clock, internal).validate(token)
    assert info.value.typ == "JWT"


def test_internal_tokens_do_not_pass_for_each_other(
    issuer: TokenIssuer, key: Key, clock: Clock
) -> None:
    token = issuer.issue_token(MAIL_LINK, subject="42").token
    with pytest.raises(WrongTokenTypeError):
        make_validator(key, clock, MFA_STEP).validate(token)
    assert make_validator(key, clock, MAIL_LINK).validate_token(token).profile is MAIL_LINK


def test_untyped_token_is_refused_without_an_untyped_profile(key: Key, clock: Clock) -> None:
    header = header_for(key)
    del header["typ"]
    token = _compact.encode(header, claims_at(), key)
    with pytest.raises(WrongTokenTypeError) as info:
        make_validator(key, clock, MFA_STEP).validate(token)
    assert info.value.typ is None
    assert make_validator(key, clock).validate_token(token).profile is USER_ACCESS


@pytest.mark.parametrize("typ", [1, None, ["JWT"], "", "JOSE", "jwt+at"])
def test_other_typ_is_refused(key: Key, clock: Clock, typ: object) -> None:
    token = _compact.encode(header_for(key, typ=typ), claims_at(), key)
    with pytest.raises(WrongTokenTypeError) as info:
        make_validator(key, clock).validate(token)
    assert info.value.typ == (typ if typ is None or isinstance(typ, str) else repr(typ))


@pytest.mark.parametrize("typ", ["JWT", "jwt", "application/jwt", "Application/JWT"])
def test_typ_compares_as_rfc_7515_says(key: Key, clock: Clock, typ: str) -> None:
    token = _compact.encode(header_for(key, typ=typ), claims_at(), key)
    assert make_validator(key, clock).validate(token) == claims_at()


def test_normalize_typ() -> None:
    assert normalize_typ("application/AT+JWT") == "at+jwt"


def test_profiles_kinds() -> None:
    assert [p.is_access for p in (USER_ACCESS, CLIENT_ACCESS, MFA_STEP, MAIL_LINK)] == [
        True,
        True,
        False,
        False,
    ]


# -- the validator's own rules ----------------------------------------------------------


def test_no_profile_is_a_configuration_error(key: Key, clock: Clock) -> None:
    with pytest.raises(ConfigurationError, match="'profiles'"):
        TokenValidator(
            KeySet([key]), ValidationParameters(issuer=ISSUER, audience=AUDIENCE), profiles=()
        )


def test_profiles_property(key: Key, clock: Clock) -> None:
    assert make_validator(key, clock, *ACCESS_PROFILES).profiles == ACCESS_PROFILES


def test_checks_belong_to_the_validator(issuer: TokenIssuer, key: Key, clock: Clock) -> None:
    lenient = make_validator(key, clock, checks={"lifetime": check_lifetime})
    strict = make_validator(key, clock)
    assert list(strict.checks) == list(CHECKS)
    assert list(lenient.checks) == ["lifetime"]
    with pytest.raises(TypeError):
        CHECKS["mine"] = check_lifetime  # type: ignore[index]
    token = _compact.encode(header_for(key), claims_at(iss="elsewhere"), key)
    assert lenient.validate(token)["iss"] == "elsewhere"


def test_claim_map_renames_before_the_checks(key: Key, clock: Clock) -> None:
    claims = claims_at(nameid="7")
    del claims["sub"]
    token = _compact.encode(header_for(key), claims, key)
    validator = make_validator(key, clock, claim_map={"nameid": "sub", "absent": "name"})
    assert validator.validate(token)["sub"] == "7"


def test_cached_result_keeps_its_profile(issuer: TokenIssuer, key: Key, clock: Clock) -> None:
    validator = make_validator(key, clock, *ACCESS_PROFILES, cache_size=4)
    token = client_token(issuer)
    assert validator.validate_token(token) is validator.validate_token(token)
    assert validator.validate_token(token).profile is CLIENT_ACCESS


def test_replace_params_drops_the_cache(issuer: TokenIssuer, key: Key, clock: Clock) -> None:
    validator = make_validator(key, clock, cache_size=4)
    token = issuer.issue(subject="42", name="john", role="User").token
    validator.validate(token)
    validator.replace_params(ValidationParameters(issuer="other", audience=AUDIENCE))
    with pytest.raises(WrongIssuerError):
        validator.validate(token)


# -- the issuer's general method --------------------------------------------------------


def test_issue_token_writes_the_profile_typ(issuer: TokenIssuer, key: Key) -> None:
    issued = issuer.issue_token(MFA_STEP, subject="42", lifetime=60, claims={"amr": ["pwd"]})
    header, claims = decode_unverified(issued.token)
    assert header == {"alg": key.alg, "typ": "mfa+jwt", "kid": key.kid}
    assert list(claims) == ["iss", "aud", "sub", "amr", "iat", "nbf", "exp", "jti"]
    assert claims["exp"] == NOW + 60
    assert issued.expires_at == NOW + 60


def test_issue_token_default_lifetime_and_audience(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issuer.issue_token(MAIL_LINK, subject="1").token)
    assert claims["exp"] == NOW + LIFETIME
    assert claims["aud"] == AUDIENCE
    _, other = decode_unverified(issuer.issue_token(MAIL_LINK, subject="1", audience="x").token)
    assert other["aud"] == "x"


@pytest.mark.parametrize("lifetime", [0, -1])
def test_issue_token_refuses_a_bad_lifetime(issuer: TokenIssuer, lifetime: float) -> None:
    with pytest.raises(ConfigurationError, match="'lifetime'"):
        issuer.issue_token(MFA_STEP, subject="1", lifetime=lifetime)


def test_issue_token_claims_may_not_override_registered(issuer: TokenIssuer) -> None:
    with pytest.raises(ConfigurationError) as info:
        issuer.issue_token(MFA_STEP, subject="1", claims={"exp": 1, "sub": "2"})
    assert info.value.message == "claims may not override ['exp', 'sub']"


@pytest.mark.parametrize("name", ["sid", "amr", "auth_time", "scope", "client_id"])
def test_new_claims_are_reserved(issuer: TokenIssuer, name: str) -> None:
    assert name in RESERVED_CLAIMS
    with pytest.raises(ConfigurationError) as info:
        issuer.issue(subject="1", name="n", role="User", extra={name: "x"})
    assert info.value.message == f"extra claims may not override ['{name}']"
    with pytest.raises(ConfigurationError):
        issuer.issue_token(MAIL_LINK, subject="1", extra={name: "x"})


def test_issue_token_extra_claims(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issuer.issue_token(MAIL_LINK, subject="1", extra={"k": 1}).token)
    assert list(claims)[-1] == "k"


def test_session_and_amr_are_written(issuer: TokenIssuer) -> None:
    issued = issuer.issue(subject="1", name="n", role="User", session_id="s-1", amr=["pwd"])
    _, claims = decode_unverified(issued.token)
    assert (claims["sid"], claims["amr"]) == ("s-1", ["pwd"])
    assert list(claims) == [
        "iss", "aud", "sub", "name", "role", "sid", "amr", "iat", "nbf", "exp", "jti",
    ]  # fmt: skip


def test_scope_is_written_when_given(issuer: TokenIssuer) -> None:
    _, claims = decode_unverified(issuer.issue(subject="1", name="n", role="User").token)
    assert "scope" not in claims
    issued = issuer.issue(subject="1", name="n", role="User", scope="orders:read")
    assert decode_unverified(issued.token)[1]["scope"] == "orders:read"
