"""The user's passkeys: listing, counting and removing them (one, or all after a loss).

:class:`PasskeyKeeping` is the half of :class:`~.service.Passkeys` that keeps the
credentials once registered; the service mixes it in and holds the repositories it uses.
Removing every passkey of a user also ends the sessions a passkey signed in.
"""

from __future__ import annotations

from typing import NamedTuple

from ...errors import NotFoundError
from ...store.passkey_records import PasskeyRecord, PasskeyRepository
from ...store.records import UnitOfWork, UserRecord, UserRepository
from ..audit import NO_CONTEXT, Auditor, RequestContext
from ..sessions import SessionManager

__all__ = ["NOT_FOUND", "PasskeyKeeping", "PasskeysRemoved"]

NOT_FOUND = "Passkey not found"

HARDWARE_KEY = "hwk"
"""The ``amr`` method a passkey sign-in carries (RFC 8176)."""


class PasskeysRemoved(NamedTuple):
    """What :meth:`PasskeyKeeping.remove_all` removed: passkeys, and sessions they signed in."""

    passkeys: int
    sessions: int


class PasskeyKeeping:
    """List, count and remove a user's passkeys, over the repositories of the service."""

    _repo: PasskeyRepository
    _users: UserRepository
    _sessions: SessionManager | None
    _audit: Auditor
    _uow: UnitOfWork

    def account(self, user_id: int) -> UserRecord | None:
        """The user ``user_id`` (None when there is none)."""
        return self._users.get(user_id)

    def list(self, user_id: int) -> list[PasskeyRecord]:
        """The user's passkeys, oldest first."""
        return self._repo.list_for_user(user_id)

    def count(self, user_id: int) -> int:
        """How many passkeys the user holds (``/api/auth/me`` shows it)."""
        return self._repo.count_for_user(user_id)

    def delete(
        self, user: UserRecord, passkey_id: str, *, context: RequestContext = NO_CONTEXT
    ) -> None:
        """Remove one of the user's passkeys; it signs in no more.

        Raises:
            NotFoundError: the user has no such passkey (another user's is not found
                either, so ids cannot be probed).
        """
        with self._uow():
            record = self._repo.delete(user.id, passkey_id)
            if record is None:
                raise NotFoundError(NOT_FOUND)
            self._audit.record(
                "passkey_deleted",
                user_id=user.id,
                username=user.username,
                context=context,
                passkey_id=record.id,
            )

    def remove_all(
        self, user: UserRecord, *, context: RequestContext = NO_CONTEXT
    ) -> PasskeysRemoved:
        """Remove every passkey of the user (a lost or stolen device: ``users
        remove-passkeys``), and end every session a passkey signed in: whoever holds the
        device loses what it already got.  None signs in any more; the password does."""
        with self._uow():
            removed = self._repo.delete_all(user.id)
            self._audit.record(
                "passkeys_deleted",
                user_id=user.id,
                username=user.username,
                context=context,
                removed=removed,
            )
            ended = (
                self._sessions.revoke_signed_in_with(user.id, HARDWARE_KEY, context=context)
                if self._sessions
                else 0
            )
        return PasskeysRemoved(passkeys=removed, sessions=ended)
