"""The console's user administration: every ``users`` command of the CLI, by user id.

Each change runs the same service the CLI runs (:class:`~..users.UserAdmin`,
:class:`~..sessions.SessionManager`, :class:`~..mfa.SecondFactors`,
:class:`~..passkeys.Passkeys`) inside one unit of
work and under :func:`~..audit.acting`, so the change and its audit row, which names the
administrator, commit together or not at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ...errors import BadRequestError, NotFoundError
from ...store.admin_records import UserDirectory, UserSummary
from ...store.records import ROLES, SessionRecord, UnitOfWork
from ..audit import Actor, acting
from ..mfa import SecondFactors
from ..passkeys import Passkeys, PasskeysRemoved
from ..sessions import SessionManager
from ..users import UserAdmin
from ._common import Page, Paging, refused_as

NOT_YOURSELF = "You cannot {} your own account; ask another administrator"
CONFIRM = "To delete a user, confirm with their username (confirm={})"


class UserConsole:
    """Finds users and changes them on an administrator's behalf.

    Args:
        users: user administration (the CLI's).
        directory: the paged, searchable user list.
        sessions: a user's sessions.
        mfa: second factors (reset).
        passkeys: the users' passkeys (removed when a device is lost).
        unit_of_work: one transaction per change (``Database.session``).
    """

    def __init__(
        self,
        *,
        users: UserAdmin,
        directory: UserDirectory,
        sessions: SessionManager,
        mfa: SecondFactors,
        passkeys: Passkeys,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
    ) -> None:
        self._users = users
        self._directory = directory
        self._sessions = sessions
        self._mfa = mfa
        self._passkeys = passkeys
        self._uow = unit_of_work

    # -- reading ---------------------------------------------------------------------

    def search(self, text: str | None, paging: Paging) -> Page[UserSummary]:
        """Users whose name or email contains ``text`` (any case), by name."""
        total, items = self._directory.search(text or None, offset=paging.offset, limit=paging.size)
        return Page(items, paging, total)

    def get(self, user_id: int) -> UserSummary:
        """One user.

        Raises:
            NotFoundError: no user with this id.
        """
        summary = self._directory.summary(user_id)
        if summary is None:
            raise NotFoundError(f"No user with id {user_id}")
        return summary

    def sessions(self, user_id: int) -> list[SessionRecord]:
        """The user's live sessions, newest first.

        Raises:
            NotFoundError: no user with this id.
        """
        self.get(user_id)
        return self._sessions.list(user_id)

    # -- changing --------------------------------------------------------------------

    def create(
        self, actor: Actor, username: str, password: str, *, role: str, email: str | None
    ) -> UserSummary:
        """Create a user.

        Raises:
            BadRequestError: the username, email or role is not acceptable.
            WeakPasswordError: the password fails the policy.
            ConflictError: the username is taken.
        """
        _check_role(role)
        with self._change(actor):
            record = refused_as(
                BadRequestError,
                lambda: self._users.add(username, password, role=role, email=email),
            )
        return self.get(record.id)

    def set_role(self, actor: Actor, user_id: int, role: str) -> UserSummary:
        """Give a user another role (tokens issued from now on carry it).

        Raises:
            NotFoundError: no such user.
            BadRequestError: an unknown role, or the administrator's own account.
        """
        _check_role(role)
        user = self._other_than(actor, user_id, "change the role of")
        with self._change(actor):
            self._users.set_role(user.username, role)
        return self.get(user_id)

    def set_disabled(self, actor: Actor, user_id: int, *, is_disabled: bool) -> UserSummary:
        """Disable a user (no login, no refresh; signed out everywhere) or enable them.

        Raises:
            NotFoundError: no such user.
            BadRequestError: disabling the administrator's own account.
        """
        if is_disabled:
            user = self._other_than(actor, user_id, "disable")
        else:
            user = self.get(user_id)
        with self._change(actor):
            self._users.set_disabled(user.username, is_disabled=is_disabled)
        return self.get(user_id)

    def set_password(self, actor: Actor, user_id: int, password: str) -> None:
        """Set a new password; the user is signed out everywhere.

        Raises:
            NotFoundError: no such user.
            WeakPasswordError: the password fails the policy.
        """
        user = self.get(user_id)
        with self._change(actor):
            self._users.set_password(user.username, password)

    def sign_out(self, actor: Actor, user_id: int) -> None:
        """Sign a user out everywhere: every refresh token and session, and with
        access-token revocation on, every access token.

        Raises:
            NotFoundError: no such user.
        """
        user = self.get(user_id)
        with self._change(actor):
            self._users.revoke(user.username)

    def reset_mfa(self, actor: Actor, user_id: int) -> bool:
        """Remove a user's TOTP and recovery codes; whether they had TOTP.

        Raises:
            NotFoundError: no such user.
        """
        user = self.get(user_id)
        with self._change(actor):
            return self._mfa.reset(self._users.find(user.username), context=actor.context)

    def remove_passkeys(self, actor: Actor, user_id: int) -> PasskeysRemoved:
        """Remove every passkey of a user (a lost or stolen device) and end the sessions
        one signed in; how many of each.

        Raises:
            NotFoundError: no such user.
        """
        user = self.get(user_id)
        with self._change(actor):
            return self._passkeys.remove_all(self._users.find(user.username), context=actor.context)

    def delete(self, actor: Actor, user_id: int, *, confirm: str) -> None:
        """Delete a user, their sessions and refresh tokens.

        Args:
            actor: the administrator.
            user_id: whom.
            confirm: the user's username, typed again: a slip of an id deletes nobody.

        Raises:
            NotFoundError: no such user.
            BadRequestError: ``confirm`` is not the username, or it is the
                administrator's own account.
        """
        user = self._other_than(actor, user_id, "delete")
        if confirm != user.username:
            raise BadRequestError(CONFIRM.format(user.username))
        with self._change(actor):
            self._users.delete(user.username)

    def end_session(self, actor: Actor, user_id: int, session_id: str) -> None:
        """End one of the user's sessions.

        Raises:
            NotFoundError: no such user, or no live session of theirs with this id.
        """
        self.get(user_id)
        with self._change(actor):
            self._sessions.revoke(user_id, session_id, context=actor.context)

    def end_sessions(self, actor: Actor, user_id: int) -> int:
        """End every session of the user; how many were live.

        Raises:
            NotFoundError: no such user.
        """
        self.get(user_id)
        with self._change(actor):
            return self._sessions.revoke_others(user_id, None, context=actor.context)

    # -- helpers ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _change(self, actor: Actor) -> Iterator[None]:
        """One transaction whose audit rows name ``actor``."""
        with acting(actor), self._uow():
            yield

    def _other_than(self, actor: Actor, user_id: int, verb: str) -> UserSummary:
        user = self.get(user_id)
        if actor.user_id == user.id:
            raise BadRequestError(NOT_YOURSELF.format(verb))
        return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise BadRequestError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}")
