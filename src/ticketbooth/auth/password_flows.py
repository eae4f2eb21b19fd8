"""Password reset and change, and the one-time links they spend.

:class:`PasswordFlows` is the half of :class:`~.accounts.AccountService` that changes
passwords; the service mixes it in and holds the repositories it uses.  A reset spends its
link by one conditional UPDATE and ends every session of the user (and their access
tokens when access revocation is on); a change ends every other session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NoReturn

from ..errors import IncorrectPasswordError, InvalidLinkError
from ..store.records import (
    OneTimeSecretRecord,
    OneTimeSecretRepository,
    RefreshTokenRepository,
    SessionRepository,
    UnitOfWork,
    UserRecord,
    UserRepository,
)
from .audit import NO_CONTEXT, Auditor, RequestContext
from .identity import check_email
from .one_time import RESET_LIFETIME, AccountLimits, LinkMailer, hash_secret
from .passwords import PasswordHasher, check_password
from .revocation import Revoker

__all__ = ["PasswordFlows"]


class PasswordFlows:
    """Forgot, reset and change password, over the repositories of the service."""

    _users: UserRepository
    _secrets: OneTimeSecretRepository
    _refresh: RefreshTokenRepository
    _sessions: SessionRepository
    _hasher: PasswordHasher
    _limits: AccountLimits
    _links: LinkMailer
    _uow: UnitOfWork
    _audit: Auditor
    _revoker: Revoker | None
    _mail_written: Callable[[], None]
    _now: Callable[[], float]

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    def forgot_password(self, email: str, *, context: RequestContext = NO_CONTEXT) -> None:
        """Mail a reset link when the address has an account (a mail saying there is
        none otherwise).  Always the same answer after the same work.

        Raises:
            InvalidFieldError: the address is malformed.
            TooManyRequestsError: too many requests for the address or from the client.
        """
        email = check_email(email)
        self._limits.forgot.hit(email, context.address or "unknown")
        now = self._utcnow()
        with self._uow():
            user = self._users.get_by_email(email)
            if user is not None and not user.is_disabled:
                email = user.email or email
                link = self._links.issue("reset", user.id, email, RESET_LIFETIME, now)
                self._links.send("reset", email, user.username, link=link, minutes="30")
            else:
                self._links.issue("reset", None, email, RESET_LIFETIME, now)  # a decoy
                self._links.send("nothing", email, "", link=self._links.public_url)
            self._audit.record(
                "password_reset_requested",
                user_id=user.id if user else None,
                context=context,
                sent=int(user is not None and not user.is_disabled),
            )
        self._mail_written()

    def reset_password(
        self, token: str, new_password: str, *, context: RequestContext = NO_CONTEXT
    ) -> None:
        """Set a new password from a reset link and end every session of the user.

        Raises:
            InvalidLinkError: unknown, used or expired link (a weak password does not
                spend it).
            WeakPasswordError: the password fails the policy.
        """
        record = self._live("reset", token, context)
        user = self._users.get(record.user_id) if record.user_id is not None else None
        if user is None or user.is_disabled:
            self._link_refused("password_reset", context, "no_user")
        check_password(new_password, username=user.username)
        password_hash = self._hasher.hash(new_password)
        now = self._utcnow()
        with self._uow():
            is_spent = self._secrets.use(record.id, now)
            if is_spent:
                self._reset(user, password_hash, now, context)
        if not is_spent:
            self._link_refused("password_reset", context, "used")

    def _reset(
        self, user: UserRecord, password_hash: str, now: datetime, context: RequestContext
    ) -> None:
        self._users.update(user.id, password_hash=password_hash)
        self._secrets.retire_for_user(user.id, "reset", now)
        if user.email is not None and not user.is_email_verified:
            self._users.set_email_verified(user.id, user.email, now)  # the mail arrived
        revoked = self._refresh.revoke_user(user.id, "password-reset", now)
        self._sessions.revoke_user(user.id, "password-reset", now)
        if self._revoker is not None:
            self._revoker.revoke_user(user.id)
        self._audit.record(
            "password_reset",
            user_id=user.id,
            username=user.username,
            context=context,
            revoked=revoked,
        )

    def change_password(
        self,
        user_id: int,
        session_id: str | None,
        current_password: str,
        new_password: str,
        *,
        context: RequestContext = NO_CONTEXT,
    ) -> None:
        """Change a password, ending every session of the user but ``session_id``.

        Raises:
            IncorrectPasswordError: the current password is wrong (or the user is gone).
            WeakPasswordError: the new password fails the policy.
        """
        user = self._users.get(user_id)
        if user is None or user.is_disabled:
            self._hasher.verify_dummy(current_password)
            raise IncorrectPasswordError()
        if not self._hasher.verify(user.password_hash, current_password):
            self._audit.record(
                "password_changed",
                "failure",
                user_id=user.id,
                context=context,
                reason="bad_password",
            )
            raise IncorrectPasswordError()
        check_password(new_password, username=user.username)
        password_hash = self._hasher.hash(new_password)
        now = self._utcnow()
        with self._uow():
            self._users.update(user.id, password_hash=password_hash)
            ended = 0
            for session in self._sessions.list_for_user(user.id):
                if session.id == session_id:
                    continue
                self._sessions.revoke(session.id, "password-changed", now)
                self._refresh.revoke_family(session.id, "password-changed", now)
                if self._revoker is not None:
                    self._revoker.revoke_session(session.id)
                ended += 1
            self._audit.record(
                "password_changed",
                user_id=user.id,
                username=user.username,
                context=context,
                sessions_ended=ended,
            )

    def _live(self, purpose: str, token: str, context: RequestContext) -> OneTimeSecretRecord:
        event = "verify_email" if purpose == "verify" else "password_reset"
        record = self._secrets.find(purpose, hash_secret(token)) if token else None
        if record is None or record.user_id is None:
            self._link_refused(event, context, "unknown")
        if record.used_at is not None:
            self._link_refused(event, context, "used")
        if record.expires_at <= self._utcnow():
            self._link_refused(event, context, "expired")
        return record

    def _link_refused(self, event: str, context: RequestContext, reason: str) -> NoReturn:
        self._audit.record(event, "failure", context=context, reason=reason)
        raise InvalidLinkError()
