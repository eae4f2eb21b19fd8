"""Registering OAuth 2.0 clients: services that get tokens of their own.

A client authenticates with a secret (``client_secret_basic`` or ``client_secret_post``)
or, better, with a key it never sends (``private_key_jwt``): a PEM public key or a JWKS
URL registered here, and a short-lived assertion signed with the private key per request.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ..._net import require_https
from ...errors import ConfigurationError, ConflictError, NotFoundError
from ...store.client_records import ClientRecord, ClientRepository
from ...store.records import UnitOfWork
from ...tokens.keys import Key
from ..audit import Auditor
from .secrets import ClientSecretHasher

SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
"""RFC 6749 §3.3 ``scope-token``: printable ASCII without space, ``"`` and ``\\``."""

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,149}")


@dataclass(frozen=True, slots=True)
class NewClient:
    """A client just registered (or with a new secret), and its secret, shown once."""

    record: ClientRecord
    secret: str | None

    def __repr__(self) -> str:
        return f"NewClient(client_id={self.record.client_id!r}, secret='***')"


def parse_scopes(text: str | Iterable[str]) -> tuple[str, ...]:
    """Scopes from a space-separated string or a list, de-duplicated in order.

    Raises:
        ValueError: a scope is not an RFC 6749 ``scope-token``.
    """
    items = text.split(" ") if isinstance(text, str) else list(text)
    scopes: list[str] = []
    for item in items:
        if item == "" and isinstance(text, str):
            continue
        if not SCOPE_TOKEN.fullmatch(item):
            raise ValueError(f"{item!r} is not a valid scope")
        if item not in scopes:
            scopes.append(item)
    return tuple(scopes)


def public_key_from_pem(pem: bytes, *, kid: str | None = None) -> Key:
    """A verify-only key from a PEM public key; its algorithm follows from its type.

    RSA -> RS256, EC P-256 -> ES256, Ed25519 -> EdDSA.

    Raises:
        ConfigurationError: not a PEM public key of one of those types.
    """
    try:
        public = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError("the public key does not parse as PEM") from exc
    if isinstance(public, rsa.RSAPublicKey):
        return Key.from_public("RS256", public, kid=kid)
    if isinstance(public, ec.EllipticCurvePublicKey):
        return Key.from_public("ES256", public, kid=kid)
    if isinstance(public, ed25519.Ed25519PublicKey):
        return Key.from_public("EdDSA", public, kid=kid)
    raise ConfigurationError("the public key must be RSA, EC P-256 or Ed25519")


class ClientAdmin:
    """Adds, lists, disables, deletes clients and rotates their secrets.

    Args:
        clients: the client repository.
        hasher: makes and hashes secrets.
        auditor: every change is an audit event.
        now: the clock.
        unit_of_work: as for :class:`~..service.AuthService` (``Database.session``): a
            client change and its audit row commit together.
    """

    def __init__(
        self,
        clients: ClientRepository,
        hasher: ClientSecretHasher,
        *,
        auditor: Auditor | None = None,
        now: Callable[[], float] = time.time,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
    ) -> None:
        self._uow = unit_of_work
        self._clients = clients
        self._hasher = hasher
        self._audit = auditor or Auditor(now=now)
        self._now = now

    def add(
        self,
        name: str,
        *,
        scopes: Iterable[str] = (),
        public_key_pem: bytes | None = None,
        jwks_uri: str | None = None,
    ) -> NewClient:
        """Register a client: with a secret, or with a PEM public key or a JWKS URL.

        Raises:
            ConfigurationError: a bad name, scope, key or URL, or both a key and a URL.
            ConflictError: the name is taken.
        """
        if not NAME.fullmatch(name):
            raise ConfigurationError(
                f"{name!r} is not a client name: letters, digits, '.', '_' and '-', "
                "up to 150 characters"
            )
        try:
            granted = parse_scopes(list(scopes))
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if public_key_pem is not None and jwks_uri is not None:
            raise ConfigurationError("give --public-key or --jwks-uri, not both")
        if self._clients.get_by_name(name) is not None:
            raise ConflictError(f"a client named {name!r} already exists")
        pem = None
        if public_key_pem is not None:
            public_key_from_pem(public_key_pem)  # refuse what will never verify
            try:  # OpenSSL skips any text before the PEM block, UTF-8 included
                pem = public_key_pem.decode("ascii")
            except UnicodeDecodeError:
                raise ConfigurationError("the public key file must be ASCII PEM") from None
        if jwks_uri is not None:
            require_https(jwks_uri)
        secret = None if pem or jwks_uri else self._hasher.new_secret()
        record = ClientRecord(
            client_id=secrets.token_urlsafe(16),
            name=name,
            scopes=granted,
            created_at=datetime.fromtimestamp(self._now(), UTC),
            secret_hash=None if secret is None else self._hasher.hash(secret),
            public_key_pem=pem,
            jwks_uri=jwks_uri,
        )
        with self._uow():
            self._clients.add(record)
            self._audit.record(
                "client_created",
                username=name,
                client_id=record.client_id,
                method=record.auth_method,
            )
        return NewClient(record, secret)

    def list(self) -> list[ClientRecord]:
        """Every client, by name."""
        return self._clients.list()

    def get(self, name: str) -> ClientRecord:
        """The client named ``name``.

        Raises:
            NotFoundError: no such client.
        """
        record = self._clients.get_by_name(name)
        if record is None:
            raise NotFoundError(f"no client named {name!r}")
        return record

    def get_by_id(self, client_id: str) -> ClientRecord:
        """The client whose ``client_id`` this is.

        Raises:
            NotFoundError: no such client.
        """
        record = self._clients.get(client_id)
        if record is None:
            raise NotFoundError(f"no client with id {client_id!r}")
        return record

    def set_disabled(self, name: str, *, is_disabled: bool) -> ClientRecord:
        """Disable (no new tokens) or enable a client.

        Raises:
            NotFoundError: no such client.
        """
        record = self.get(name)
        event = "client_disabled" if is_disabled else "client_enabled"
        with self._uow():
            self._clients.update(record.client_id, is_disabled=is_disabled)
            self._audit.record(event, username=name, client_id=record.client_id)
        return record

    def delete(self, name: str) -> None:
        """Remove a client (tokens it holds live until they expire).

        Raises:
            NotFoundError: no such client.
        """
        record = self.get(name)
        with self._uow():
            self._clients.delete(record.client_id)
            self._audit.record("client_deleted", username=name, client_id=record.client_id)

    def rotate_secret(self, name: str) -> NewClient:
        """A new secret for a secret client; the old one stops working at once.

        Raises:
            NotFoundError: no such client.
            ConfigurationError: the client authenticates with a key and has no secret.
        """
        record = self.get(name)
        if record.secret_hash is None:
            raise ConfigurationError(f"{name} authenticates with a key; it has no secret")
        secret = self._hasher.new_secret()
        with self._uow():
            self._clients.update(record.client_id, secret_hash=self._hasher.hash(secret))
            self._audit.record("client_secret_rotated", username=name, client_id=record.client_id)
        return NewClient(record, secret)
