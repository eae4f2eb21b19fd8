"""What the authentication flows hand back: a checked identity, token pairs, grants."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from ..store.records import UserRecord


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a successful login or refresh hands back."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    user: UserRecord

    def __repr__(self) -> str:
        return f"TokenPair(user={self.user.username!r}, expires_in={self.expires_in})"


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """A fresh access token without a new refresh token: a refresh within the grace window.

    The refresh token presented had just been rotated by a concurrent request of the same
    client (another tab), whose answer carried the live successor; this one gets an access
    token only, so the family never has two live refresh tokens.
    """

    access_token: str
    expires_in: int
    user: UserRecord

    def __repr__(self) -> str:
        return f"AccessGrant(user={self.user.username!r}, expires_in={self.expires_in})"


PASSWORD_METHOD = "pwd"  # noqa: S105 - an RFC 8176 method name, not a password
"""RFC 8176: the caller proved a password."""


@dataclass(frozen=True, slots=True)
class Authentication:
    """The answer of :meth:`AuthService.authenticate`: who, and what is still missing.

    Attributes:
        user: the user whose credentials checked out.
        methods: RFC 8176 methods proven so far (``("pwd",)``).
        pending: second factors the user must still pass before a session may start
            (empty when none is needed; then :meth:`AuthService.start_session`).
    """

    user: UserRecord
    methods: tuple[str, ...]
    pending: tuple[str, ...] = ()

    @property
    def needs_second_factor(self) -> bool:
        """Whether a second factor must follow before a session starts."""
        return bool(self.pending)


def hash_refresh_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of a refresh token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
