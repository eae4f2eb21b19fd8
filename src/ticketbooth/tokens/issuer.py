"""Writes tokens: the user access token of the outside contract (API.md), and beneath it
one general method for every other profile (client access tokens, internal tokens)."""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError
from . import _compact
from .keys import KeySet
from .profiles import USER_ACCESS, TokenProfile

_REGISTERED = frozenset({"iss", "aud", "sub", "iat", "nbf", "exp", "jti"})
RESERVED_CLAIMS = _REGISTERED | {
    "name",
    "email",
    "role",
    "sid",
    "amr",
    "auth_time",
    "scope",
    "client_id",
    "typ",
    "purpose",
}
"""Claims only ticketbooth writes, each with a meaning of its own: ``extra`` may not set
them, so no caller can make a token claim a session, a client or a scope it was not
given."""


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
        session_id: str | None = None,
        amr: Sequence[str] | None = None,
        scope: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> IssuedToken:
        """A signed access token for one user (profile :data:`~.profiles.USER_ACCESS`).

        Args:
            subject: the user id (``sub``).
            name: the username (``name``).
            role: the role (``role``).
            email: written only when not None.
            session_id: the session (``sid``), written only when not None.
            amr: how the session was authenticated (RFC 8176 ``amr``), when given.
            scope: space-separated scopes the token grants (``scope``), when given.
            extra: further private claims; may not set a reserved one.

        Raises:
            ConfigurationError: no signing key, or ``extra`` names a reserved claim.
        """
        claims: dict[str, Any] = {"name": name}
        if email is not None:
            claims["email"] = email
        claims["role"] = role
        if session_id is not None:
            claims["sid"] = session_id
        if amr is not None:
            claims["amr"] = list(amr)
        if scope is not None:
            claims["scope"] = scope
        return self.issue_token(USER_ACCESS, subject=subject, claims=claims, extra=extra)

    def issue_token(
        self,
        profile: TokenProfile,
        *,
        subject: str,
        claims: Mapping[str, Any] | None = None,
        lifetime: float | None = None,
        audience: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        """A signed token of any profile: the registered claims, then ``claims``.

        The header's ``typ`` is the profile's, which is what keeps a token of one
        profile from passing as another (an internal token never passes as access).

        Args:
            profile: what the token is for.
            subject: ``sub``.
            claims: the profile's own claims (reserved names allowed: the caller is
                the code that defines the profile).
            lifetime: seconds (> 0); the issuer's access lifetime when omitted.
            audience: ``aud``; the issuer's when omitted.
            extra: private claims written last; may not set a reserved one.

        Raises:
            ConfigurationError: no signing key, a bad lifetime, or ``extra`` names a
                reserved claim.
        """
        lifetime = self.lifetime if lifetime is None else lifetime
        if not lifetime > 0:
            raise ConfigurationError("'lifetime' must be a positive number of seconds")
        key = self._keys.signing_key
        now = int(self._now())
        expires_at = now + max(1, math.ceil(lifetime))
        jti = secrets.token_urlsafe(16)
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience if audience is None else audience,
            "sub": subject,
        }
        if claims:
            clash = _REGISTERED.intersection(claims)
            if clash:
                raise ConfigurationError(f"claims may not override {sorted(clash)}")
            payload.update(claims)
        payload.update(iat=now, nbf=now, exp=expires_at, jti=jti)
        if extra:
            _check_extra(extra)
            payload.update(extra)
        header = {"alg": key.alg, "typ": profile.typ, "kid": key.kid}
        return IssuedToken(_compact.encode(header, payload, key), expires_at, jti, key.kid)


def _check_extra(extra: Mapping[str, Any]) -> None:
    clash = RESERVED_CLAIMS.intersection(extra)
    if clash:
        raise ConfigurationError(f"extra claims may not override {sorted(clash)}")
