"""The pure core: keys, issuing and validating access tokens, and typed errors.

Imports only the standard library, ``cryptography`` and the JOSE library; no web
framework and no database.
"""

from ..errors import (
    AuthenticationError,
    BadSignatureError,
    ConfigurationError,
    ConflictError,
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
)
from ._compact import decode_unverified
from .claims import DEFAULT_REQUIRED_CLAIMS, ValidationParameters, validate_claims
from .issuer import IssuedToken, TokenIssuer
from .keys import ALGORITHMS, Key, KeySet
from .revocation import RevocationList
from .validator import TokenValidator

__all__ = [
    "ALGORITHMS",
    "DEFAULT_REQUIRED_CLAIMS",
    "AuthenticationError",
    "BadSignatureError",
    "ConfigurationError",
    "ConflictError",
    "ExpiredTokenError",
    "InvalidCredentialsError",
    "InvalidRefreshTokenError",
    "InvalidTokenError",
    "IssuedToken",
    "Key",
    "KeySet",
    "MalformedTokenError",
    "MissingClaimError",
    "NotFoundError",
    "NotYetValidError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RefreshTokenReuseError",
    "RevocationList",
    "RevokedTokenError",
    "TicketboothError",
    "TokenIssuer",
    "TokenValidator",
    "UnknownKeyError",
    "UnsupportedAlgorithmError",
    "ValidationParameters",
    "WeakPasswordError",
    "WrongAudienceError",
    "WrongIssuerError",
    "decode_unverified",
    "validate_claims",
]
