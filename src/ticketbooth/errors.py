"""Every error ticketbooth raises, in one tree (``ticketbooth.tokens.errors`` re-exports it).

::

    TicketboothError
    ├── InvalidTokenError            the client's access token is bad        → 401
    │   ├── ExpiredTokenError
    │   │   └── RevokedTokenError    its user was signed out everywhere
    │   ├── NotYetValidError
    │   ├── BadSignatureError
    │   │   └── UnknownKeyError      no verification key has the token's kid
    │   ├── WrongIssuerError
    │   ├── WrongAudienceError
    │   ├── MalformedTokenError
    │   │   └── WrongTokenTypeError  a token of another profile (typ)
    │   ├── UnsupportedAlgorithmError
    │   └── MissingClaimError
    ├── AuthenticationError          credentials or refresh token refused    → 401
    │   ├── InvalidCredentialsError
    │   ├── InvalidCodeError         a second-factor code or its sign-in refused
    │   ├── InvalidPasskeyError      a passkey sign-in refused (``reason`` says why)
    │   └── InvalidRefreshTokenError
    │       └── RefreshTokenReuseError   a rotated token came back: family revoked
    ├── BadRequestError              a well-formed request that cannot be done → 400
    ├── WeakPasswordError            a new password fails the policy         → 422
    ├── InvalidFieldError            a malformed field (an email address)    → 422
    ├── BadRequestError              a request that cannot succeed as sent   → 400
    │   ├── InvalidLinkError         a one-time link unknown, used or expired
    │   └── IncorrectPasswordError   change-password's current password is wrong
    ├── RateLimitedError             too many failed attempts                → 429
    │   └── TooManyRequestsError     too many requests for mail or passkey options
    ├── PermissionDeniedError        valid identity, not allowed             → 403
    │   ├── CsrfError                a cookie-authenticated change without its CSRF token
    │   ├── RegistrationClosedError  sign-up is off, or the invite code is not good
    │   └── UnverifiedEmailError     the password is right, the address unconfirmed
    ├── ConflictError                the thing already exists                → 409
    ├── NotFoundError                no such user, key or resource           → 404
    └── ConfigurationError           the server is set up wrong; raised at start-up

Each class carries a class-level ``description``: for token errors it is the RFC 6750
``error_description`` the web layer sends.  Messages and attributes never contain a
token, a key or a password.
"""

from __future__ import annotations


class TicketboothError(Exception):
    """Base of every ticketbooth error."""

    description = "Authentication failed"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.description)

    @property
    def message(self) -> str:
        """The one-line message, safe to show a client."""
        return str(self.args[0])


class InvalidTokenError(TicketboothError):
    """The access token failed a check; the client must get a new one."""

    description = "The token is invalid"


class ExpiredTokenError(InvalidTokenError):
    """``exp`` (plus the leeway) is in the past."""

    description = "The token expired"

    def __init__(self, expired_at: int) -> None:
        super().__init__()
        self.expired_at = expired_at


class RevokedTokenError(ExpiredTokenError):
    """The token's user was signed out everywhere after it was issued.

    Answered as an expired token ("The token expired"): revocation cut its lifetime
    short, and API.md's descriptions are fixed.
    """

    def __init__(self, subject: str) -> None:
        super().__init__(expired_at=0)
        self.subject = subject


class NotYetValidError(InvalidTokenError):
    """``nbf`` (minus the leeway) or ``iat`` is in the future."""

    description = "The token is not yet valid"

    def __init__(self, not_before: int) -> None:
        super().__init__()
        self.not_before = not_before


class BadSignatureError(InvalidTokenError):
    """The signature does not verify with the key the token names."""

    description = "The signature is invalid"

    def __init__(self, kid: str | None = None) -> None:
        super().__init__()
        self.kid = kid


class UnknownKeyError(BadSignatureError):
    """No verification key has the token's ``kid`` (or the key is retired)."""


class WrongIssuerError(InvalidTokenError):
    """``iss`` is not the configured issuer."""

    description = "The issuer is invalid"
    claim = "iss"


class WrongAudienceError(InvalidTokenError):
    """``aud`` does not name the configured audience."""

    description = "The audience is invalid"
    claim = "aud"


class MalformedTokenError(InvalidTokenError):
    """The token is not a well-formed JWS compact JWT of the expected shape."""

    description = "The token is malformed"

    def __init__(self, reason: str = "malformed") -> None:
        super().__init__()
        self.reason = reason


class WrongTokenTypeError(MalformedTokenError):
    """The ``typ`` header names a profile the validator does not accept.

    A second-factor step or a mail-link token presented as an access token, for example.
    Answered as malformed ("The token is malformed"): API.md's descriptions are fixed.

    Attributes:
        typ: the header's ``typ`` (``repr`` of it when not a string; None when absent).
        expected: the ``typ`` values that would have been accepted.
    """

    def __init__(self, typ: object, expected: tuple[str, ...]) -> None:
        super().__init__("typ")
        self.typ = typ if typ is None or isinstance(typ, str) else repr(typ)
        self.expected = expected


class UnsupportedAlgorithmError(InvalidTokenError):
    """The header's ``alg`` is not the one algorithm the key allows (``none`` never is)."""

    description = "The algorithm is not allowed"

    def __init__(self, alg: object) -> None:
        super().__init__()
        self.alg = alg if isinstance(alg, str) else repr(alg)


class MissingClaimError(InvalidTokenError):
    """A required claim is absent."""

    description = "A required claim is missing"

    def __init__(self, claim: str) -> None:
        super().__init__()
        self.claim = claim


class AuthenticationError(TicketboothError):
    """Credentials or a refresh token were refused."""

    description = "Authentication failed"


class InvalidCredentialsError(AuthenticationError):
    """Unknown user, wrong password or disabled user: deliberately indistinguishable."""

    description = "Invalid credentials"


class InvalidCodeError(AuthenticationError):
    """A second-factor code (TOTP or recovery) is wrong, used, or its sign-in is over."""

    description = "Invalid code"


class InvalidPasskeyError(AuthenticationError):
    """A passkey sign-in was refused; every reason gets the same answer.

    Attributes:
        reason: why, for the audit trail and tests (``unknown_challenge``,
            ``unknown_credential``, ``wrong_origin``, ``bad_signature``,
            ``counter_regression``, ``disabled`` ...); never shown to the client.
    """

    description = "The passkey was not accepted"

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class InvalidRefreshTokenError(AuthenticationError):
    """The refresh token is unknown, expired, revoked or belongs to a disabled user."""

    description = "Invalid or expired refresh token"


class RefreshTokenReuseError(InvalidRefreshTokenError):
    """A refresh token that was already rotated came back: its family is now revoked."""

    def __init__(self, family_id: str) -> None:
        super().__init__()
        self.family_id = family_id


class BadRequestError(TicketboothError):
    """The request is well formed but cannot be done (a wrong confirmation code or
    password, a step out of order); the message says what."""

    description = "The request cannot be done"


class WeakPasswordError(TicketboothError):
    """A new password fails the password policy; the message says why."""

    description = "The password is too weak"


class InvalidFieldError(TicketboothError):
    """A field of a request is malformed (an email address); the message names it."""

    description = "A field is malformed"


class InvalidLinkError(BadRequestError):
    """A one-time secret (verification or reset link) is unknown, used or expired."""

    description = "Invalid or expired link"


class IncorrectPasswordError(BadRequestError):
    """The current password given to change it is wrong."""

    description = "The current password is incorrect"


class RateLimitedError(TicketboothError):
    """Too many failed attempts for a username or a client address."""

    description = "Too many failed attempts; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = max(1, retry_after)


class TooManyRequestsError(RateLimitedError):
    """Too many requests that send mail (for an address or from a client), or that ask
    for passkey sign-in options (from a client)."""

    description = "Too many requests; try again later"


class PermissionDeniedError(TicketboothError):
    """The identity is valid but lacks the role or policy the route needs."""

    description = "You do not have permission to do this"


class CsrfError(PermissionDeniedError):
    """A state-changing request authenticated by cookie lacks the matching CSRF token.

    Raised by the web layer's cookie mode: the ``X-CSRF-Token`` header is missing or
    differs from the ``csrf`` cookie, so the request may have been forged by another site.
    """

    description = (
        "Missing or invalid CSRF token: send the csrf cookie's value in the X-CSRF-Token header"
    )


class RegistrationClosedError(PermissionDeniedError):
    """Sign-up is off, or the invite code is wrong, used or expired (alike)."""

    description = "Registration is closed"


class UnverifiedEmailError(PermissionDeniedError):
    """A correct password whose user must confirm the email address first."""

    description = "Confirm your email address first"


class ConflictError(TicketboothError):
    """The thing to create already exists."""

    description = "Already exists"


class NotFoundError(TicketboothError):
    """No such user, key or resource."""

    description = "Not found"


class ConfigurationError(TicketboothError):
    """The server is configured wrongly.  Raised at start-up, never for a client's input."""

    description = "Invalid configuration"
