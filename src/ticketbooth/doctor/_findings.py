"""What the doctor reports, and what it looks at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..config import Settings

Severity = Literal["high", "medium"]

SEVERITIES: tuple[Severity, ...] = ("high", "medium")
"""Most severe first."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem the doctor found.

    Attributes:
        severity: ``high`` (exit 1: forgeable, guessable or stealable tokens) or ``medium``.
        code: a stable identifier, such as ``secret-example``.
        message: what is wrong, in one line; never contains a secret.
        fix: what to do about it, in one line.
    """

    severity: Severity
    code: str
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class Published:
    """What a running service publishes, as :func:`fetch_published` found it.

    Attributes:
        url: the service's base URL.
        discovery: the ``/.well-known/openid-configuration`` document, when fetched.
        jwks: the JWKS document, when fetched.
        error: why fetching failed, when it did.
    """

    url: str
    discovery: dict[str, Any] | None = None
    jwks: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Deployment:
    """Everything the doctor looks at.

    Attributes:
        settings: the effective configuration.
        now: the current time (aware), for the key's age.
        key_active_since: when the active signing key started signing; None when
            unknown (a secret from the environment, or no database yet).
        published: what the running service publishes, with ``--url``.
        secret_clients: names of the OAuth clients that authenticate with a secret.
    """

    settings: Settings
    now: datetime
    key_active_since: datetime | None = None
    published: Published | None = None
    secret_clients: tuple[str, ...] = ()


Check = Callable[[Deployment], Iterator[Finding]]
