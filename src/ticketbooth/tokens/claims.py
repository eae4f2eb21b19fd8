"""What a valid token must say: the validation parameters and one check per claim.

Modelled on ASP.NET's ``TokenValidationParameters``: issuer, audience, lifetime with a
clock skew, required claims, and the algorithms the service accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import (
    ConfigurationError,
    ExpiredTokenError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    WrongAudienceError,
    WrongIssuerError,
)
from .keys import ALGORITHMS

ClaimCheck = Callable[[dict[str, Any], "ValidationParameters", float], None]
"""One claim check: raises an :class:`InvalidTokenError` subclass, or returns."""

DEFAULT_REQUIRED_CLAIMS: tuple[str, ...] = ("exp", "iss", "aud", "sub")
"""``exp`` is always required: a token that never expires is never accepted."""


@dataclass(frozen=True, slots=True)
class ValidationParameters:
    """Everything a validator checks beyond the signature.

    Attributes:
        issuer: the exact ``iss`` required.
        audience: the ``aud`` value that must be present (string or in the list).
        algorithms: the algorithms accepted at all; each key still allows only its own.
        leeway: seconds of clock skew allowed on ``exp``, ``nbf`` and ``iat``.
        required_claims: claims that must be present; ``exp`` is added if missing.
    """

    issuer: str
    audience: str
    algorithms: frozenset[str] = field(default_factory=lambda: frozenset(ALGORITHMS))
    leeway: float = 0.0
    required_claims: tuple[str, ...] = DEFAULT_REQUIRED_CLAIMS

    def __post_init__(self) -> None:
        if not isinstance(self.issuer, str) or not self.issuer:
            raise ConfigurationError("'issuer' must be a non-empty str")
        if not isinstance(self.audience, str) or not self.audience:
            raise ConfigurationError("'audience' must be a non-empty str")
        # NaN fails both comparisons; a NaN or infinite leeway would switch off expiry.
        if not isinstance(self.leeway, int | float) or not 0 <= self.leeway < float("inf"):
            raise ConfigurationError("'leeway' must be a number of seconds >= 0")
        unknown = set(self.algorithms) - set(ALGORITHMS)
        if unknown or not self.algorithms:
            raise ConfigurationError(
                f"'algorithms' must be a non-empty subset of {ALGORITHMS} (got {sorted(unknown)})"
            )
        if "exp" not in self.required_claims:
            object.__setattr__(self, "required_claims", ("exp", *self.required_claims))
        object.__setattr__(self, "algorithms", frozenset(self.algorithms))


_MAX_TIME = 2.0**53
"""Seconds beyond which a time claim is refused: far past year 9999, and exact in a float."""


def _number(claims: dict[str, Any], name: str) -> float | None:
    if name not in claims:
        return None
    value = claims[name]  # a JSON null is present and malformed: "exp": null never expires
    if type(value) is not int and type(value) is not float:
        raise MalformedTokenError(f"{name} is not a number")
    # json.loads accepts NaN and Infinity, which are not JSON numbers, and integers too
    # large for a float: each would never expire or crash the comparisons below.
    if not -_MAX_TIME <= value <= _MAX_TIME:
        raise MalformedTokenError(f"{name} is not a finite number")
    return value


def validate_claims(
    claims: dict[str, Any],
    params: ValidationParameters,
    now: float,
    checks: Mapping[str, ClaimCheck] | None = None,
) -> None:
    """Check the registered claims of an already signature-checked payload.

    Args:
        claims: the payload.
        params: what the claims must say.
        now: the current time.
        checks: the checks to run, in order; :data:`CHECKS` when omitted.

    Raises:
        MissingClaimError: a required claim is absent.
        MalformedTokenError: a time claim is not a JSON number, or ``sub`` or ``jti`` not
            a string.
        ExpiredTokenError: ``exp`` + leeway <= now.
        NotYetValidError: ``nbf`` or ``iat`` - leeway > now.
        WrongIssuerError: ``iss`` is not the configured issuer.
        WrongAudienceError: ``aud`` does not contain the configured audience.
    """
    for check in (CHECKS if checks is None else checks).values():
        check(claims, params, now)


def check_required(claims: dict[str, Any], params: ValidationParameters, now: float) -> None:
    """Every required claim is present; ``sub`` and ``jti``, when present, are strings."""
    for name in params.required_claims:
        if name not in claims:
            raise MissingClaimError(name)
    for name in ("sub", "jti"):  # RFC 7519 4.1.2 and 4.1.7
        if name in claims and type(claims[name]) is not str:
            raise MalformedTokenError(f"{name} is not a string")


def check_lifetime(claims: dict[str, Any], params: ValidationParameters, now: float) -> None:
    """``exp`` is not past, ``nbf`` and ``iat`` not in the future (each within the leeway)."""
    exp = _number(claims, "exp")
    if exp is not None and exp + params.leeway <= now:
        raise ExpiredTokenError(int(exp))
    for name in ("nbf", "iat"):
        value = _number(claims, name)
        if value is not None and value - params.leeway > now:
            raise NotYetValidError(int(value))


def check_issuer(claims: dict[str, Any], params: ValidationParameters, now: float) -> None:
    """``iss``, when present, is exactly the configured issuer."""
    if "iss" in claims and claims["iss"] != params.issuer:
        raise WrongIssuerError()


def check_audience(claims: dict[str, Any], params: ValidationParameters, now: float) -> None:
    """``aud``, when present, is the configured audience or a list containing it."""
    if "aud" not in claims:
        return
    aud = claims["aud"]
    if type(aud) is str:
        if aud != params.audience:
            raise WrongAudienceError()
    elif type(aud) is list and all(type(a) is str for a in aud):
        if params.audience not in aud:
            raise WrongAudienceError()
    else:
        raise MalformedTokenError("aud is not a string or a list of strings")


CHECKS: Mapping[str, ClaimCheck] = MappingProxyType(
    {
        "required claims": check_required,
        "lifetime": check_lifetime,
        "issuer": check_issuer,
        "audience": check_audience,
    }
)
"""The default checks by name, in the order they run.  Read-only: a validator that needs
other checks is given its own (``TokenValidator(checks=...)``), so no change to one
validator's rules can reach another."""
