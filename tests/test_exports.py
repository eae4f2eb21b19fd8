"""The public surface is deliberate: ``__all__`` is sorted, complete and exactly as listed.

Modelled on httpx's ``tests/test_exported_members.py``.  Changing a public name means
changing this file, on purpose.
"""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

import ticketbooth
import ticketbooth.tokens

TOKENS_EXPORTS = [
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

AUTH_EXPORTS = [
    "AccessGrant",
    "AuthService",
    "Keyring",
    "LoginLimiter",
    "PasswordHasher",
    "Principal",
    "TokenPair",
    "UserAdmin",
    "check_password",
]


def isort_order(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions and the rest."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


# the scope refusal lives in httpauth (shared with the framework adapters), and policies
POLICY_EXPORTS = ["InsufficientScopeError", "Policies", "Policy"]

ROOT_EXPORTS = sorted([*TOKENS_EXPORTS, *AUTH_EXPORTS, *POLICY_EXPORTS], key=isort_order)

MODULES = [
    pytest.param(ticketbooth, ROOT_EXPORTS, id="ticketbooth"),
    pytest.param(ticketbooth.tokens, TOKENS_EXPORTS, id="ticketbooth.tokens"),
]


def public_names(module: ModuleType) -> set[str]:
    """Names a user can reach without an underscore, leaving out subpackages and modules.

    ``dir()`` rather than ``vars()``: the root package loads ``ticketbooth.auth``'s names
    on first use (issue 11), and its ``__dir__`` lists them.
    """
    return {
        name
        for name in dir(module)
        if not name.startswith("_") and not inspect.ismodule(getattr(module, name))
    }


@pytest.mark.parametrize(("module", "expected"), MODULES)
def test_all_is_sorted(module: ModuleType, expected: list[str]) -> None:
    assert module.__all__ == sorted(module.__all__, key=isort_order)


@pytest.mark.parametrize(("module", "expected"), MODULES)
def test_all_is_exactly_the_public_names(module: ModuleType, expected: list[str]) -> None:
    assert set(module.__all__) == public_names(module)
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize(("module", "expected"), MODULES)
def test_every_name_in_all_exists(module: ModuleType, expected: list[str]) -> None:
    for name in module.__all__:
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize(("module", "expected"), MODULES)
def test_all_is_the_expected_list(module: ModuleType, expected: list[str]) -> None:
    assert module.__all__ == expected


def test_root_reexports_the_same_objects() -> None:
    for name in TOKENS_EXPORTS:
        assert getattr(ticketbooth, name) is getattr(ticketbooth.tokens, name)


@pytest.mark.parametrize("name", ["web", "store", "cli"])
def test_layers_imported_by_path_are_not_exported(name: str) -> None:
    assert name not in ticketbooth.__all__


def test_exported_errors_end_in_error() -> None:
    for name in TOKENS_EXPORTS:
        value = getattr(ticketbooth.tokens, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert name.endswith("Error")


def test_version() -> None:
    assert isinstance(ticketbooth.__version__, str)
