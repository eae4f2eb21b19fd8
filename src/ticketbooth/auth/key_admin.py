"""Key administration: every operation on signing keys, audited the same way.

The CLI (``keys generate|rotate|retire|list``), the service's automatic rotation and,
later, the console all call these methods, so each key operation leaves the same audit
event whoever asked for it, written in one transaction with the change it records.
"""

from __future__ import annotations

import contextlib

from ..store.records import KeyRecord, UnitOfWork
from .audit import Auditor
from .keyring import Keyring


class KeyAdmin:
    """Generates, rotates, retires and lists signing keys, recording each change.

    Args:
        keyring: the keys and their lifecycle.
        auditor: where ``key_generated``, ``key_rotated`` and ``key_retired`` go.
        unit_of_work: as for :class:`~.service.AuthService` (``Database.session``): a
            key change and its audit row commit together.
    """

    def __init__(
        self,
        keyring: Keyring,
        *,
        auditor: Auditor,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
    ) -> None:
        self.keyring = keyring
        self._audit = auditor
        self._uow = unit_of_work

    @property
    def uses_env_secret(self) -> bool:
        """Whether ``TICKETBOOTH_SECRET_KEY`` signs (then the database holds no keys)."""
        return self.keyring.uses_env_secret

    def list(self) -> list[KeyRecord]:
        """Every stored key, with its state."""
        return self.keyring.list()

    def generate(self, alg: str | None = None) -> KeyRecord:
        """Make a new key of ``alg`` (the configured one by default); it signs at once.

        Raises:
            ConfigurationError: the algorithm is unknown, or the secret comes from the
                environment.
        """
        with self._uow():
            record = self.keyring.generate(alg)
            self._audit.record("key_generated", kid=record.kid, alg=record.alg)
        return record

    def rotate(self) -> tuple[KeyRecord, KeyRecord] | None:
        """Activate the published next key and publish a new one: (active, next).

        None when another process rotated at the same moment.

        Raises:
            ConfigurationError: the secret comes from the environment.
        """
        with self._uow():
            rotated = self.keyring.rotate()
            if rotated is not None:
                self._audited_rotation(rotated)
        return rotated

    def rotate_if_due(self, every_days: float) -> tuple[KeyRecord, KeyRecord] | None:
        """Rotate when the active key is ``every_days`` old (automatic rotation)."""
        with self._uow():
            rotated = self.keyring.rotate_if_due(every_days)
            if rotated is not None:
                self._audited_rotation(rotated)
        return rotated

    def retire(self, kid: str) -> None:
        """Stop a key verifying: every token it signed fails from now on.

        Raises:
            NotFoundError: no such key.
            ConfigurationError: the key is the active one, or the secret comes from
                the environment.
        """
        with self._uow():
            self.keyring.retire(kid)
            self._audit.record("key_retired", kid=kid)

    def _audited_rotation(self, rotated: tuple[KeyRecord, KeyRecord]) -> None:
        self._audit.record("key_rotated", kid=rotated[0].kid, next_kid=rotated[1].kid)
