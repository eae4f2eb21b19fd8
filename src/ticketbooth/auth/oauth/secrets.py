"""Client secrets: 256-bit random values, stored as HMAC-SHA256 under a server-side key.

A password needs a slow hash (argon2id) because people choose guessable ones; a client
secret is 256 bits from :mod:`secrets`, so no amount of hashing speed makes guessing it
feasible, and a slow hash would only make every token request cost tens of milliseconds
of CPU (a lever for denial of service).  A keyed hash adds one thing a plain SHA-256
does not: with ``TICKETBOOTH_CLIENT_SECRET_KEY`` set, a copy of the database alone is
not even enough to test a candidate secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32
"""256 bits."""

_UNKEYED = b"ticketbooth client secret v1"
"""The HMAC key when none is configured: a label that separates this hash from others."""


class ClientSecretHasher:
    """Makes, hashes and checks client secrets.

    Args:
        key: the server-side HMAC key (``TICKETBOOTH_CLIENT_SECRET_KEY``); changing it
            invalidates every client secret (rotate them with ``clients rotate-secret``).
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or _UNKEYED

    def __repr__(self) -> str:
        return "ClientSecretHasher(key='***')"

    @staticmethod
    def new_secret() -> str:
        """A fresh 256-bit secret, URL-safe base64 (43 characters)."""
        return secrets.token_urlsafe(SECRET_BYTES)

    def hash(self, secret: str) -> str:
        """The hex HMAC-SHA256 stored in place of ``secret``."""
        return hmac.new(self._key, secret.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, secret_hash: str | None, secret: str) -> bool:
        """Whether ``secret`` matches, in constant time; a None hash never matches.

        The hash is computed either way, so an unknown client and a wrong secret take
        the same time.
        """
        computed = self.hash(secret)
        return hmac.compare_digest(computed, secret_hash or "-" * len(computed)) and (
            secret_hash is not None
        )
