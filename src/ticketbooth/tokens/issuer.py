"""Writes access tokens: the header and claims of the outside contract (API.md)."""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import _compact
from .errors import ConfigurationError
from .keys import KeySet

_RESERVED = frozenset({"iss", "aud", "sub", "name", "email", "role", "iat", "nbf", "exp", "jti"})


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An access token and when it expires (seconds since the epoch)."""

    token: str
    expires_at: int
    jti: str
    kid: str

    def __repr__(self) -> str:
        return f"IssuedToken(token='***', expires_at={self.expires_at}, kid={self.kid!r})"


class TokenIssuer:
    """Signs access tokens with the key set's active key.

    Args:
        keys: the key set; its signing key signs (replace with :meth:`replace_keys`).
        issuer: the ``iss`` written.
        audience: the ``aud`` written.
        lifetime: access-token lifetime in seconds (> 0).
        now: the clock, seconds since the epoch; injected so tests move time.
    """

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        lifetime: float,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not lifetime > 0:
            raise ConfigurationError("'lifetime' must be a positive number of seconds")
        self._keys = keys
        self.issuer = issuer
        self.audience = audience
        self.lifetime = lifetime
        self._now = now

    def replace_keys(self, keys: KeySet) -> None:
        """Sign with a new key set from now on (after a rotation)."""
        self._keys = keys

    @property
    def keys(self) -> KeySet:
        """The key set in use."""
        return self._keys

    def issue(
        self,
        *,
        subject: str,
        name: str,
        role: str,
        email: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> IssuedToken:
        """A signed access token for one user.

        Args:
            subject: the user id (``sub``).
            name: the username (``name``).
            role: the role (``role``).
            email: written only when not None.
            extra: further private claims; may not override the registered ones.

        Raises:
            ConfigurationError: no signing key, or ``extra`` names a reserved claim.
        """
        key = self._keys.signing_key
        now = int(self._now())
        expires_at = now + max(1, math.ceil(self.lifetime))
        jti = secrets.token_urlsafe(16)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "name": name,
        }
        if email is not None:
            claims["email"] = email
        claims.update(role=role, iat=now, nbf=now, exp=expires_at, jti=jti)
        if extra:
            clash = _RESERVED.intersection(extra)
            if clash:
                raise ConfigurationError(f"extra claims may not override {sorted(clash)}")
            claims.update(extra)
        header = {"alg": key.alg, "typ": "JWT", "kid": key.kid}
        return IssuedToken(_compact.encode(header, claims, key), expires_at, jti, key.kid)
