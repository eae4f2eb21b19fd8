"""The console's OAuth 2.0 client administration: every ``clients`` command of the CLI,
by ``client_id``.

Each change runs the service the CLI runs (:class:`~..oauth.ClientAdmin`) inside one
unit of work and under :func:`~..audit.acting`, so the change and its audit row, which
names the administrator, commit together or not at all.  A new secret is returned once
and never stored in the clear.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from ...errors import BadRequestError, ConflictError
from ...store.client_records import ClientRecord
from ...store.records import UnitOfWork
from ..audit import Actor, acting
from ..oauth import ClientAdmin, NewClient
from ._common import refused_as

CONFIRM = "To delete a client, confirm with its name (confirm={})"
KEY_OR_URL = "give publicKey or jwksUri, not both"
NOT_ASCII = "the public key must be ASCII PEM text"


class ClientConsole:
    """Lists, registers, disables, enables and deletes clients and rotates their secrets.

    Args:
        clients: the client administration the CLI uses.
        unit_of_work: one transaction per change (``Database.session``).
    """

    def __init__(self, clients: ClientAdmin, *, unit_of_work: UnitOfWork = contextlib.nullcontext):
        self._clients = clients
        self._uow = unit_of_work

    def list(self) -> list[ClientRecord]:
        """Every client, by name."""
        return self._clients.list()

    def get(self, client_id: str) -> ClientRecord:
        """One client.

        Raises:
            NotFoundError: no client with this id.
        """
        return self._clients.get_by_id(client_id)

    def create(
        self,
        actor: Actor,
        name: str,
        *,
        scopes: Sequence[str],
        public_key_pem: str | None = None,
        jwks_uri: str | None = None,
    ) -> NewClient:
        """Register a client: with a secret (returned once), or with a PEM public key or
        a JWKS URL for ``private_key_jwt``.

        Raises:
            BadRequestError: a bad name, scope, key or URL, or both a key and a URL.
            ConflictError: the name is taken.
        """
        if public_key_pem is not None and jwks_uri is not None:
            raise BadRequestError(KEY_OR_URL)
        pem = None
        if public_key_pem is not None:
            if not public_key_pem.isascii():
                raise BadRequestError(NOT_ASCII)
            pem = public_key_pem.encode("ascii")
        with self._change(actor):
            return refused_as(
                BadRequestError,
                lambda: self._clients.add(
                    name, scopes=scopes, public_key_pem=pem, jwks_uri=jwks_uri
                ),
            )

    def set_disabled(self, actor: Actor, client_id: str, *, is_disabled: bool) -> ClientRecord:
        """Disable a client (no new tokens; those it holds live until they expire) or
        enable it.

        Raises:
            NotFoundError: no such client.
        """
        client = self.get(client_id)
        with self._change(actor):
            self._clients.set_disabled(client.name, is_disabled=is_disabled)
        return self.get(client_id)

    def rotate_secret(self, actor: Actor, client_id: str) -> NewClient:
        """A new secret (returned once); the old one is refused from now on.

        Raises:
            NotFoundError: no such client.
            ConflictError: the client authenticates with a key and has no secret.
        """
        client = self.get(client_id)
        with self._change(actor):
            return refused_as(ConflictError, lambda: self._clients.rotate_secret(client.name))

    def delete(self, actor: Actor, client_id: str, *, confirm: str) -> None:
        """Delete a client; tokens it already holds live until they expire.

        Args:
            actor: the administrator.
            client_id: which client.
            confirm: the client's name, typed again: a slip of an id deletes nothing.

        Raises:
            NotFoundError: no such client.
            BadRequestError: ``confirm`` is not the client's name.
        """
        client = self.get(client_id)
        if confirm != client.name:
            raise BadRequestError(CONFIRM.format(client.name))
        with self._change(actor):
            self._clients.delete(client.name)

    @contextlib.contextmanager
    def _change(self, actor: Actor) -> Iterator[None]:
        """One transaction whose audit rows name ``actor``."""
        with acting(actor), self._uow():
            yield
