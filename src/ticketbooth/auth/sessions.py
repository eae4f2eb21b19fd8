"""Sessions: one per login, keyed by its refresh-token family.

A session is listed with where and how it started, and ends on its own: its refresh
tokens are revoked and, with access-token revocation on, its access tokens (by ``sid``)
too, while the user's other sessions go on.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ..errors import NotFoundError
from ..store.records import RefreshTokenRepository, SessionRecord, SessionRepository, UnitOfWork
from .audit import NO_CONTEXT, Auditor, RequestContext
from .revocation import Revoker


class SessionManager:
    """Lists and ends a user's sessions.

    Args:
        sessions: the session records.
        refresh_tokens: the refresh tokens (a session's family is revoked with it).
        auditor: where ``session_revoked`` is recorded.
        revoker: when given, ending a session also revokes its access tokens.
        unit_of_work: as for :class:`~.service.AuthService` (``Database.session``): the
            revocations and the audit row commit together.
        now: the clock.
    """

    def __init__(
        self,
        *,
        sessions: SessionRepository,
        refresh_tokens: RefreshTokenRepository,
        auditor: Auditor | None = None,
        revoker: Revoker | None = None,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._refresh = refresh_tokens
        self._audit = auditor or Auditor(now=now)
        self._revoker = revoker
        self._uow = unit_of_work
        self._now = now

    def list(self, user_id: int) -> list[SessionRecord]:
        """The user's live sessions, newest first."""
        return self._sessions.list_for_user(user_id)

    def revoke(self, user_id: int, session_id: str, *, context: RequestContext = NO_CONTEXT) -> int:
        """End one session of the user; returns how many refresh tokens were revoked.

        Raises:
            NotFoundError: no live session ``session_id`` of this user (another user's
                session is not found either, so ids cannot be probed).
        """
        record = self._sessions.get(session_id)
        if record is None or record.user_id != user_id or record.revoked_at is not None:
            raise NotFoundError("Session not found")
        now = datetime.fromtimestamp(self._now(), UTC)
        with self._uow():
            self._sessions.revoke(session_id, "revoked", now)
            count = self._refresh.revoke_family(session_id, "session-revoked", now)
            if self._revoker is not None:
                self._revoker.revoke_session(session_id)
            self._audit.record(
                "session_revoked",
                user_id=user_id,
                context=context,
                session_id=session_id,
                revoked=count,
            )
        return count

    def revoke_others(
        self, user_id: int, current_session_id: str | None, *, context: RequestContext = NO_CONTEXT
    ) -> int:
        """End every session of the user but ``current_session_id``; returns how many.

        The revocations and one audit row commit together.
        """
        others = [r.id for r in self._sessions.list_for_user(user_id) if r.id != current_session_id]
        return self._revoke_all(user_id, others, context)

    def revoke_signed_in_with(
        self, user_id: int, method: str, *, context: RequestContext = NO_CONTEXT
    ) -> int:
        """End every live session of the user that ``method`` proved (its ``amr``: ``hwk``
        for a passkey); returns how many.  The revocations and one audit row commit
        together."""
        proven = [r.id for r in self._sessions.list_for_user(user_id) if method in r.amr]
        return self._revoke_all(user_id, proven, context, method=method)

    def _revoke_all(
        self, user_id: int, session_ids: Sequence[str], context: RequestContext, **detail: str
    ) -> int:
        now = datetime.fromtimestamp(self._now(), UTC)
        with self._uow():
            for session_id in session_ids:
                self._sessions.revoke(session_id, "revoked", now)
                self._refresh.revoke_family(session_id, "session-revoked", now)
                if self._revoker is not None:
                    self._revoker.revoke_session(session_id)
            self._audit.record(
                "sessions_revoked",
                user_id=user_id,
                context=context,
                revoked=len(session_ids),
                **detail,
            )
        return len(session_ids)
