"""Plain values and repository protocols for OAuth 2.0 clients (no SQLAlchemy here).

``auth.oauth`` depends on these protocols; :mod:`ticketbooth.store.clients` implements
them over SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

ClientAuthMethod = Literal["client_secret", "private_key_jwt"]


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A registered client (a service, not a person).

    Exactly one way to authenticate is set: ``secret_hash`` (a keyed hash of a 256-bit
    secret, never the secret), or a public key as PEM (``public_key_pem``) or as a JWKS
    URL (``jwks_uri``) for ``private_key_jwt``.

    Attributes:
        client_id: the public identifier (``client_id``, ``sub`` of its tokens).
        name: the administrator's name for it (unique).
        scopes: what it may ask for; a token gets these or a subset.
    """

    client_id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    secret_hash: str | None = None
    public_key_pem: str | None = None
    jwks_uri: str | None = None
    is_disabled: bool = False

    @property
    def auth_method(self) -> ClientAuthMethod:
        """``client_secret`` (basic or post) or ``private_key_jwt``."""
        return "client_secret" if self.secret_hash is not None else "private_key_jwt"

    def __repr__(self) -> str:
        return f"ClientRecord(client_id={self.client_id!r}, name={self.name!r})"


class ClientRepository(Protocol):
    """Clients by id and name."""

    def add(self, record: ClientRecord) -> None: ...
    def get(self, client_id: str) -> ClientRecord | None: ...
    def get_by_name(self, name: str) -> ClientRecord | None: ...
    def list(self) -> list[ClientRecord]: ...
    def update(
        self,
        client_id: str,
        *,
        secret_hash: str | None = None,
        is_disabled: bool | None = None,
    ) -> bool: ...
    def delete(self, client_id: str) -> bool: ...


class AssertionReplayRepository(Protocol):
    """Client-assertion ids already used, shared by every instance."""

    def claim(self, key: str, expires_at: float, now: float) -> bool:
        """Record ``key`` as used until ``expires_at``; False when it already was."""
        ...


class JtiRevocationRepository(Protocol):
    """Access tokens revoked one by one (by ``jti``), shared by every instance."""

    def record_jti(self, jti: str, expires_at: float, now: float) -> None: ...
    def jtis_since(self, recorded_after: float) -> dict[str, float]: ...
    def prune_jtis(self, now: float) -> int: ...
