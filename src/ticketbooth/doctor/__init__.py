"""``ticketbooth check``: a security doctor for a configuration and a running service.

The doctor looks at a :class:`Deployment` (the effective :class:`~ticketbooth.config.Settings`,
when the active signing key started signing, and optionally what a running service
publishes) and returns :class:`Finding` values, each with a severity, a stable code, a
one-line message and a one-line fix.  Every check is a pure function of the deployment,
so each can be provoked by a configuration in a test; :func:`fetch_published` is the one
function here that does I/O.

A ``high`` finding means tokens can be forged, guessed or stolen, or the deployment does
not do what it claims: ``ticketbooth check`` then exits 1 so it can gate a deployment.

Messages never contain a secret: a weak secret is described, never shown.
"""

from __future__ import annotations

from .._net import is_loopback
from . import _config
from ._clients import check_secret_clients
from ._findings import SEVERITIES, Check, Deployment, Finding, Published, Severity
from ._secret import WELL_KNOWN_SECRETS, check_secret, entropy_bits
from ._service import check_published, fetch_published


def diagnose(deployment: Deployment) -> list[Finding]:
    """Run every check; the findings come most severe first, then by code."""
    findings = [finding for check in CHECKS for finding in check(deployment)]
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity), f.code))


def is_blocking(findings: list[Finding]) -> bool:
    """Whether any finding is ``high`` (``ticketbooth check`` then exits 1)."""
    return any(finding.severity == "high" for finding in findings)


def unusable_configuration(message: str) -> Finding:
    """The finding for a configuration that does not even load (``message`` names the variable)."""
    return Finding(
        "high",
        "config-invalid",
        f"the configuration does not load: {message}",
        "correct the variable named above; `ticketbooth serve` refuses to start until then",
    )


CHECKS: tuple[Check, ...] = (
    _config.check_clock_skew,
    _config.check_access_lifetime,
    _config.check_refresh_lifetime,
    check_secret,
    _config.check_hs256_jwks,
    _config.check_key_age,
    _config.check_cookies,
    _config.check_cors,
    _config.check_passkeys,
    _config.check_sqlite,
    _config.check_redis,
    _config.check_rate_limits,
    check_secret_clients,
    check_published,
)
"""Every check, in the order they run."""


__all__ = [
    "CHECKS",
    "SEVERITIES",
    "WELL_KNOWN_SECRETS",
    "Check",
    "Deployment",
    "Finding",
    "Published",
    "Severity",
    "diagnose",
    "entropy_bits",
    "fetch_published",
    "is_blocking",
    "is_loopback",
    "unusable_configuration",
]
