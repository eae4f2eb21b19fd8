"""Kept for compatibility: the error tree moved to :mod:`ticketbooth.errors` (issue 11).

The same classes, so ``except ticketbooth.tokens.errors.InvalidTokenError`` keeps
working.  The tree, as drawn there:
"""

from .. import errors as _errors
from ..errors import (
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

__doc__ = f"{__doc__}{_errors.__doc__}"

__all__ = [
    "AuthenticationError",
    "BadSignatureError",
    "ConfigurationError",
    "ConflictError",
    "CsrfError",
    "ExpiredTokenError",
    "InvalidCredentialsError",
    "InvalidRefreshTokenError",
    "InvalidTokenError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotFoundError",
    "NotYetValidError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RefreshTokenReuseError",
    "RevokedTokenError",
    "TicketboothError",
    "UnknownKeyError",
    "UnsupportedAlgorithmError",
    "WeakPasswordError",
    "WrongAudienceError",
    "WrongIssuerError",
    "WrongTokenTypeError",
]
