"""ticketbooth: JWT authentication for Python web APIs.

The token core is importable on its own (no web framework, no database)::

    from ticketbooth import Key, KeySet, TokenIssuer, TokenValidator, ValidationParameters

``ticketbooth.web``, ``ticketbooth.store`` and ``ticketbooth.cli`` are imported by path.

The names of ``ticketbooth.auth`` (the service's flows, with the password hasher behind
them) load on first use, so ``import ticketbooth.verify`` in a service that only verifies
tokens pulls in no password hasher, database or web framework, and runs on the lean
install (``pip install ticketbooth``, without the ``server`` extra).
"""

import importlib as _importlib
import typing as _typing

from .httpauth import InsufficientScopeError
from .policy import Policies, Policy
from .principal import Principal
from .tokens import (
    ALGORITHMS,
    DEFAULT_REQUIRED_CLAIMS,
    AuthenticationError,
    BadSignatureError,
    ConfigurationError,
    ConflictError,
    ExpiredTokenError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    InvalidTokenError,
    IssuedToken,
    Key,
    KeySet,
    MalformedTokenError,
    MissingClaimError,
    NotFoundError,
    NotYetValidError,
    PermissionDeniedError,
    RateLimitedError,
    RefreshTokenReuseError,
    RevocationList,
    RevokedTokenError,
    TicketboothError,
    TokenIssuer,
    TokenValidator,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    ValidationParameters,
    WeakPasswordError,
    WrongAudienceError,
    WrongIssuerError,
    decode_unverified,
    validate_claims,
)

if _typing.TYPE_CHECKING:
    from .auth import (
        AccessGrant,
        AuthService,
        Keyring,
        LoginLimiter,
        PasswordHasher,
        TokenPair,
        UserAdmin,
        check_password,
    )

__version__ = "0.1.0"

_LAZY = {
    name: ".auth"
    for name in (
        "AccessGrant",
        "AuthService",
        "Keyring",
        "LoginLimiter",
        "PasswordHasher",
        "TokenPair",
        "UserAdmin",
        "check_password",
    )
}
"""Names loaded on first access, and the module that holds them."""


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ALGORITHMS",
    "DEFAULT_REQUIRED_CLAIMS",
    "AccessGrant",
    "AuthService",
    "AuthenticationError",
    "BadSignatureError",
    "ConfigurationError",
    "ConflictError",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidCredentialsError",
    "InvalidRefreshTokenError",
    "InvalidTokenError",
    "IssuedToken",
    "Key",
    "KeySet",
    "Keyring",
    "LoginLimiter",
    "MalformedTokenError",
    "MissingClaimError",
    "NotFoundError",
    "NotYetValidError",
    "PasswordHasher",
    "PermissionDeniedError",
    "Policies",
    "Policy",
    "Principal",
    "RateLimitedError",
    "RefreshTokenReuseError",
    "RevocationList",
    "RevokedTokenError",
    "TicketboothError",
    "TokenIssuer",
    "TokenPair",
    "TokenValidator",
    "UnknownKeyError",
    "UnsupportedAlgorithmError",
    "UserAdmin",
    "ValidationParameters",
    "WeakPasswordError",
    "WrongAudienceError",
    "WrongIssuerError",
    "check_password",
    "decode_unverified",
    "validate_claims",
]
