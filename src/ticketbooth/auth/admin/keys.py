"""The console's key administration: every ``keys`` command of the CLI.

Changes go through :class:`~..key_admin.KeyAdmin` (each change and its audit row in one
transaction) under :func:`~..audit.acting`, then the running process reloads its keys at
once instead of at the next reload tick, so a rotation signs from the next token on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...errors import ConflictError
from ...store.records import KeyRecord
from ..audit import Actor, acting
from ..key_admin import KeyAdmin
from ._common import refused_as

RACED = "Another instance rotated the keys at the same moment; reload the list"


@dataclass(frozen=True, slots=True)
class KeyListing:
    """The stored keys, oldest first, and whether ``TICKETBOOTH_SECRET_KEY`` signs instead.

    Attributes:
        env_kid: the key id of the environment's secret when it signs, else None.
    """

    keys: list[KeyRecord]
    env_kid: str | None


class KeyConsole:
    """Lists, rotates, generates and retires signing keys for an administrator.

    Args:
        keys: the key administration the CLI uses.
        signing_kid: the key id signing right now (the issuer's).
        reload: makes this process use the changed keys.
    """

    def __init__(
        self, keys: KeyAdmin, *, signing_kid: Callable[[], str], reload: Callable[[], None]
    ) -> None:
        self._keys = keys
        self._signing_kid = signing_kid
        self._reload = reload

    def list(self) -> KeyListing:
        """Every stored key with its state and dates."""
        env_kid = self._signing_kid() if self._keys.uses_env_secret else None
        return KeyListing(self._keys.list(), env_kid)

    def rotate(self, actor: Actor) -> tuple[KeyRecord, KeyRecord]:
        """Activate the published next key and publish a new one: (active, next).

        Raises:
            ConflictError: the secret comes from the environment, or another instance
                rotated at the same moment.
        """
        with acting(actor):
            rotated = refused_as(ConflictError, self._keys.rotate)
        if rotated is None:
            raise ConflictError(RACED)
        self._reload()
        return rotated

    def generate(self, actor: Actor, alg: str | None = None) -> KeyRecord:
        """Make a new key of ``alg`` (the configured algorithm by default); it signs at once.

        Raises:
            ConflictError: the secret comes from the environment.
        """
        with acting(actor):
            record = refused_as(ConflictError, lambda: self._keys.generate(alg))
        self._reload()
        return record

    def retire(self, actor: Actor, kid: str) -> None:
        """Stop a key verifying: every token it signed fails from now on.

        Raises:
            NotFoundError: no such key.
            ConflictError: it is the only active key, or the secret comes from the
                environment.
        """
        with acting(actor):
            refused_as(ConflictError, lambda: self._keys.retire(kid))
        self._reload()
