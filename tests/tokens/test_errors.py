"""The error tree, the RFC 6750 descriptions of API.md, and the data each error carries."""

from __future__ import annotations

import pytest

from ticketbooth.tokens import errors
from ticketbooth.tokens.errors import (
    AuthenticationError,
    BadSignatureError,
    ConfigurationError,
    ConflictError,
    CsrfError,
    ExpiredTokenError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    MalformedTokenError,
    MissingClaimError,
    NotFoundError,
    NotYetValidError,
    PermissionDeniedError,
    RateLimitedError,
    RefreshTokenReuseError,
    RevokedTokenError,
    TicketboothError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    WeakPasswordError,
    WrongAudienceError,
    WrongIssuerError,
    WrongTokenTypeError,
)

TREE: list[tuple[type[TicketboothError], type[Exception]]] = [
    (TicketboothError, Exception),
    (InvalidTokenError, TicketboothError),
    (ExpiredTokenError, InvalidTokenError),
    (RevokedTokenError, ExpiredTokenError),
    (NotYetValidError, InvalidTokenError),
    (BadSignatureError, InvalidTokenError),
    (UnknownKeyError, BadSignatureError),
    (WrongIssuerError, InvalidTokenError),
    (WrongAudienceError, InvalidTokenError),
    (MalformedTokenError, InvalidTokenError),
    (WrongTokenTypeError, MalformedTokenError),
    (UnsupportedAlgorithmError, InvalidTokenError),
    (MissingClaimError, InvalidTokenError),
    (AuthenticationError, TicketboothError),
    (InvalidCredentialsError, AuthenticationError),
    (InvalidRefreshTokenError, AuthenticationError),
    (RefreshTokenReuseError, InvalidRefreshTokenError),
    (WeakPasswordError, TicketboothError),
    (RateLimitedError, TicketboothError),
    (PermissionDeniedError, TicketboothError),
    (CsrfError, PermissionDeniedError),
    (ConflictError, TicketboothError),
    (NotFoundError, TicketboothError),
    (ConfigurationError, TicketboothError),
]

# The error_description values of API.md, "Failures on protected routes", verbatim.
API_DESCRIPTIONS: list[tuple[type[InvalidTokenError], str]] = [
    (ExpiredTokenError, "The token expired"),
    (RevokedTokenError, "The token expired"),
    (NotYetValidError, "The token is not yet valid"),
    (BadSignatureError, "The signature is invalid"),
    (UnknownKeyError, "The signature is invalid"),
    (WrongIssuerError, "The issuer is invalid"),
    (WrongAudienceError, "The audience is invalid"),
    (MalformedTokenError, "The token is malformed"),
    (WrongTokenTypeError, "The token is malformed"),
    (UnsupportedAlgorithmError, "The algorithm is not allowed"),
    (MissingClaimError, "A required claim is missing"),
]


@pytest.mark.parametrize(("cls", "parent"), TREE, ids=lambda c: c.__name__)
def test_tree(cls: type[TicketboothError], parent: type[Exception]) -> None:
    assert cls.__bases__ == (parent,)
    assert cls.__name__.endswith("Error")
    assert cls.__name__ in (errors.__doc__ or "")


def test_tree_is_complete() -> None:
    defined = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    assert defined == {cls for cls, _ in TREE}


@pytest.mark.parametrize(
    "cls", [AuthenticationError, ConfigurationError, PermissionDeniedError, WeakPasswordError]
)
def test_non_token_errors_are_not_invalid_token_errors(cls: type[TicketboothError]) -> None:
    # A ConfigurationError is a server fault: it must never turn into a client's 401.
    assert not issubclass(cls, InvalidTokenError)


@pytest.mark.parametrize(("cls", "description"), API_DESCRIPTIONS, ids=lambda c: str(c))
def test_token_error_descriptions_are_those_of_the_api(
    cls: type[InvalidTokenError], description: str
) -> None:
    assert cls.description == description


def test_descriptions_of_the_other_errors() -> None:
    assert InvalidCredentialsError.description == "Invalid credentials"
    assert InvalidRefreshTokenError.description == "Invalid or expired refresh token"
    assert RefreshTokenReuseError.description == "Invalid or expired refresh token"


def test_message_defaults_to_description() -> None:
    exc = ConfigurationError()
    assert str(exc) == exc.message == "Invalid configuration"


def test_message_can_be_given() -> None:
    exc = WeakPasswordError("the password must be at least 8 characters")
    assert exc.message == "the password must be at least 8 characters"
    assert exc.description == "The password is too weak"


def test_expired_carries_expired_at() -> None:
    exc = ExpiredTokenError(1_700_000_300)
    assert exc.expired_at == 1_700_000_300
    assert exc.message == "The token expired"


def test_revoked_carries_subject_and_reads_as_expired() -> None:
    # Revocation cuts the lifetime short; API.md has no separate description for it.
    exc = RevokedTokenError("42")
    assert exc.subject == "42"
    assert exc.expired_at == 0
    assert exc.message == "The token expired"


def test_csrf_is_a_permission_error_that_says_what_to_send() -> None:
    assert "X-CSRF-Token" in CsrfError().message


def test_not_yet_valid_carries_not_before() -> None:
    exc = NotYetValidError(1_700_000_000)
    assert exc.not_before == 1_700_000_000
    assert exc.message == "The token is not yet valid"


def test_bad_signature_carries_kid() -> None:
    assert BadSignatureError("k1").kid == "k1"
    assert BadSignatureError().kid is None


def test_unknown_key_carries_kid_and_reads_as_bad_signature() -> None:
    exc = UnknownKeyError("retired")
    assert exc.kid == "retired"
    assert exc.message == "The signature is invalid"


@pytest.mark.parametrize(("cls", "claim"), [(WrongIssuerError, "iss"), (WrongAudienceError, "aud")])
def test_wrong_claim_names_its_claim(cls: type[InvalidTokenError], claim: str) -> None:
    # joserfc's validate_iss once named the wrong claim; pin the attribute down.
    assert cls().claim == claim  # type: ignore[attr-defined]


def test_malformed_carries_reason() -> None:
    assert MalformedTokenError("kid").reason == "kid"
    assert MalformedTokenError().reason == "malformed"
    assert MalformedTokenError("kid").message == "The token is malformed"


@pytest.mark.parametrize(
    ("alg", "expected"), [("none", "none"), (None, "None"), (256, "256"), (["HS256"], "['HS256']")]
)
def test_unsupported_algorithm_carries_alg_as_text(alg: object, expected: str) -> None:
    assert UnsupportedAlgorithmError(alg).alg == expected


def test_missing_claim_carries_claim() -> None:
    exc = MissingClaimError("exp")
    assert exc.claim == "exp"
    assert exc.message == "A required claim is missing"


def test_refresh_token_reuse_carries_family() -> None:
    exc = RefreshTokenReuseError("family-1")
    assert exc.family_id == "family-1"
    assert exc.message == "Invalid or expired refresh token"


@pytest.mark.parametrize(("given", "expected"), [(30, 30), (1, 1), (0, 1), (-5, 1)])
def test_rate_limited_retry_after_is_at_least_one_second(given: int, expected: int) -> None:
    assert RateLimitedError(given).retry_after == expected
