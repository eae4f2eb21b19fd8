"""Validation parameters and each claim check, as pure functions of (claims, params, now)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ticketbooth.tokens import (
    ALGORITHMS,
    DEFAULT_REQUIRED_CLAIMS,
    ConfigurationError,
    ExpiredTokenError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    ValidationParameters,
    WrongAudienceError,
    WrongIssuerError,
    validate_claims,
)
from ticketbooth.tokens.claims import CHECKS, check_lifetime

from .conftest import AUDIENCE, DROP, ISSUER, LIFETIME, NOW, claims_at

EXP = NOW + LIFETIME


def params_with(**overrides: Any) -> ValidationParameters:
    return ValidationParameters(**{"issuer": ISSUER, "audience": AUDIENCE, **overrides})


# -- ValidationParameters -------------------------------------------------------------


def test_defaults() -> None:
    params = params_with()
    assert params.algorithms == frozenset(ALGORITHMS)
    assert params.leeway == 0
    assert params.required_claims == DEFAULT_REQUIRED_CLAIMS == ("exp", "iss", "aud", "sub")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ((), ("exp",)),
        (("sub",), ("exp", "sub")),
        (("iss", "role"), ("exp", "iss", "role")),
        (("sub", "exp"), ("sub", "exp")),
    ],
)
def test_exp_is_always_required(given: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert params_with(required_claims=given).required_claims == expected


def test_algorithms_become_a_frozenset() -> None:
    params = params_with(algorithms={"RS256", "ES256"})
    assert params.algorithms == frozenset({"RS256", "ES256"})
    assert type(params.algorithms) is frozenset


def test_parameters_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        params_with().leeway = 60  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("issuer", "", "'issuer' must be a non-empty str"),
        ("issuer", None, "'issuer' must be a non-empty str"),
        ("issuer", b"ticketbooth", "'issuer' must be a non-empty str"),
        ("audience", "", "'audience' must be a non-empty str"),
        ("audience", ["api"], "'audience' must be a non-empty str"),
        ("leeway", -1, "'leeway' must be a number of seconds >= 0"),
        ("leeway", -0.5, "'leeway' must be a number of seconds >= 0"),
        ("leeway", "30", "'leeway' must be a number of seconds >= 0"),
        ("leeway", None, "'leeway' must be a number of seconds >= 0"),
        ("leeway", float("nan"), "'leeway' must be a number of seconds >= 0"),
        ("leeway", float("inf"), "'leeway' must be a number of seconds >= 0"),
        ("algorithms", frozenset(), "'algorithms' must be a non-empty subset of"),
        ("algorithms", frozenset({"none"}), "'algorithms' must be a non-empty subset of"),
        ("algorithms", frozenset({"HS256", "HS512"}), "(got ['HS512'])"),
        ("algorithms", "HS256", "'algorithms' must be a non-empty subset of"),
    ],
    # sorted: a set's repr follows the hash seed, which differs between xdist workers
    ids=lambda value: repr(sorted(value) if isinstance(value, frozenset) else value)[:30],
)
def test_bad_parameter_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        params_with(**{field: value})
    assert message in info.value.message
    assert f"'{field}'" in info.value.message


@pytest.mark.parametrize("leeway", [0, 30, 2.5])
def test_good_leeway_accepted(leeway: float) -> None:
    assert params_with(leeway=leeway).leeway == leeway


# -- the order of checks --------------------------------------------------------------


def test_checks_run_in_order() -> None:
    assert list(CHECKS) == ["required claims", "lifetime", "issuer", "audience"]


def test_valid_claims_pass() -> None:
    validate_claims(claims_at(), params_with(), NOW)


def test_missing_claim_is_reported_before_others() -> None:
    claims = claims_at(exp=EXP - 1000, iss="other", sub=DROP)
    with pytest.raises(MissingClaimError) as info:
        validate_claims(claims, params_with(), NOW)
    assert info.value.claim == "sub"


# -- required claims ------------------------------------------------------------------


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub"])
def test_missing_required_claim_refused(claim: str) -> None:
    with pytest.raises(MissingClaimError) as info:
        validate_claims(claims_at(**{claim: DROP}), params_with(), NOW)
    assert info.value.claim == claim
    assert info.value.description == "A required claim is missing"


def test_missing_exp_refused_even_when_not_listed() -> None:
    with pytest.raises(MissingClaimError) as info:
        validate_claims(claims_at(exp=DROP), params_with(required_claims=("sub",)), NOW)
    assert info.value.claim == "exp"


def test_extra_required_claim() -> None:
    params = params_with(required_claims=(*DEFAULT_REQUIRED_CLAIMS, "role"))
    with pytest.raises(MissingClaimError) as info:
        validate_claims(claims_at(role=DROP), params, NOW)
    assert info.value.claim == "role"


def test_claims_not_required_may_be_absent() -> None:
    claims = claims_at(iss=DROP, aud=DROP, sub=DROP, nbf=DROP, iat=DROP)
    validate_claims(claims, params_with(required_claims=()), NOW)


@pytest.mark.parametrize("sub", [42, None, ["42"], {"id": 42}, True])
def test_non_string_sub_refused(sub: object) -> None:
    with pytest.raises(MalformedTokenError) as info:
        validate_claims(claims_at(sub=sub), params_with(), NOW)
    assert info.value.reason == "sub is not a string"


def test_non_string_sub_refused_even_when_not_required() -> None:
    with pytest.raises(MalformedTokenError) as info:
        validate_claims(claims_at(sub=42), params_with(required_claims=()), NOW)
    assert info.value.reason == "sub is not a string"


@pytest.mark.parametrize("jti", [5, None, ["j"], {"j": 1}, True])
def test_non_string_jti_refused(jti: object) -> None:
    # Issue 6, found by the differential test: PyJWT and joserfc both refuse these.
    with pytest.raises(MalformedTokenError) as info:
        validate_claims(claims_at(jti=jti), params_with(), NOW)
    assert info.value.reason == "jti is not a string"


def test_jti_may_be_absent() -> None:
    validate_claims(claims_at(jti=DROP), params_with(), NOW)


# -- time claims ----------------------------------------------------------------------

WRONG_TYPES = [
    pytest.param("1700000300", id="string"),
    pytest.param(True, id="true"),
    pytest.param(False, id="false"),
    pytest.param(None, id="null"),
    pytest.param([EXP], id="list"),
    pytest.param({"t": EXP}, id="object"),
]


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize("value", WRONG_TYPES)
def test_time_claim_of_wrong_type_refused(claim: str, value: object) -> None:
    with pytest.raises(MalformedTokenError) as info:
        validate_claims(claims_at(**{claim: value}), params_with(), NOW)
    assert info.value.reason == f"{claim} is not a number"


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), 10**400, -(10**400), 2.0**53 + 2],
    ids=["nan", "inf", "-inf", "huge", "-huge", "2^53+2"],
)
def test_time_claim_out_of_range_refused(claim: str, value: float) -> None:
    # Never "never expires", and never an OverflowError out of the comparison.
    with pytest.raises(MalformedTokenError) as info:
        validate_claims(claims_at(**{claim: value}), params_with(), NOW)
    assert info.value.reason == f"{claim} is not a finite number"


def test_float_times_accepted() -> None:
    validate_claims(claims_at(exp=EXP + 0.5, nbf=NOW - 0.5, iat=NOW - 0.5), params_with(), NOW)


def test_valid_until_the_last_second() -> None:
    validate_claims(claims_at(), params_with(), EXP - 1)
    validate_claims(claims_at(), params_with(), EXP - 0.001)


@pytest.mark.parametrize("now", [EXP, EXP + 0.5, EXP + 1, EXP + 10**6])
def test_expired_at_exp_refused(now: float) -> None:
    with pytest.raises(ExpiredTokenError) as info:
        validate_claims(claims_at(), params_with(), now)
    assert info.value.expired_at == EXP
    assert info.value.description == "The token expired"


def test_leeway_admits_a_slightly_expired_token() -> None:
    params = params_with(leeway=30)
    validate_claims(claims_at(), params, EXP)
    validate_claims(claims_at(), params, EXP + 29)
    validate_claims(claims_at(), params, EXP + 29.999)


@pytest.mark.parametrize("past", [30, 30.5, 31])
def test_expired_exactly_at_and_just_past_the_leeway_refused(past: float) -> None:
    with pytest.raises(ExpiredTokenError) as info:
        validate_claims(claims_at(), params_with(leeway=30), EXP + past)
    assert info.value.expired_at == EXP


def test_expired_at_is_an_int_for_float_exp() -> None:
    with pytest.raises(ExpiredTokenError) as info:
        validate_claims(claims_at(exp=EXP + 0.75), params_with(), EXP + 5)
    assert info.value.expired_at == EXP
    assert type(info.value.expired_at) is int


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_future_claim_refused(claim: str) -> None:
    claims = claims_at(**{claim: NOW + 1})
    with pytest.raises(NotYetValidError) as info:
        validate_claims(claims, params_with(), NOW)
    assert info.value.not_before == NOW + 1
    assert info.value.description == "The token is not yet valid"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_future_claim_within_leeway_accepted(claim: str) -> None:
    validate_claims(claims_at(**{claim: NOW + 30}), params_with(leeway=30), NOW)


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize("ahead", [30.5, 31, 3600])
def test_future_claim_beyond_leeway_refused(claim: str, ahead: float) -> None:
    with pytest.raises(NotYetValidError) as info:
        validate_claims(claims_at(**{claim: NOW + ahead}), params_with(leeway=30), NOW)
    assert info.value.not_before == int(NOW + ahead)


def test_nbf_is_checked_before_iat() -> None:
    with pytest.raises(NotYetValidError) as info:
        validate_claims(claims_at(nbf=NOW + 10, iat=NOW + 20), params_with(), NOW)
    assert info.value.not_before == NOW + 10


def test_lifetime_check_without_exp() -> None:
    # exp is always required first; the lifetime check alone tolerates its absence.
    check_lifetime({"nbf": NOW}, params_with(), NOW)
    with pytest.raises(NotYetValidError):
        check_lifetime({"iat": NOW + 1}, params_with(), NOW)


# -- issuer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss",
    ["https://evil.example", ISSUER + "/", ISSUER.upper(), "", 7, None, [ISSUER]],
    ids=repr,
)
def test_wrong_issuer_refused(iss: object) -> None:
    with pytest.raises(WrongIssuerError) as info:
        validate_claims(claims_at(iss=iss), params_with(), NOW)
    assert info.value.claim == "iss"
    assert info.value.description == "The issuer is invalid"


# -- audience ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "aud", [AUDIENCE, [AUDIENCE], ["other", AUDIENCE], [AUDIENCE, AUDIENCE]], ids=repr
)
def test_audience_accepted(aud: object) -> None:
    validate_claims(claims_at(aud=aud), params_with(), NOW)


@pytest.mark.parametrize(
    "aud", ["other", AUDIENCE + " ", "", [], ["other"], ["other", AUDIENCE.upper()]], ids=repr
)
def test_wrong_audience_refused(aud: object) -> None:
    with pytest.raises(WrongAudienceError) as info:
        validate_claims(claims_at(aud=aud), params_with(), NOW)
    assert info.value.claim == "aud"
    assert info.value.description == "The audience is invalid"


@pytest.mark.parametrize(
    "aud",
    [7, None, True, {"aud": AUDIENCE}, [AUDIENCE, 7], [[AUDIENCE]], [None]],
    ids=repr,
)
def test_audience_of_wrong_type_refused(aud: object) -> None:
    with pytest.raises(MalformedTokenError) as info:
        validate_claims(claims_at(aud=aud), params_with(), NOW)
    assert info.value.reason == "aud is not a string or a list of strings"
