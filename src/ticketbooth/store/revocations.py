"""The access-revocation repository: one not-before time per user and per session."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from .db import Database, affected
from .models import AccessRevocation, SessionRevocation


class SqlRevocationRepository:
    """Per-user not-before times in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record(self, user_id: int, not_before: float) -> None:
        """Set (or move forward) a user's not-before time."""
        with self._db.session() as session:
            changed = affected(
                session.execute(
                    update(AccessRevocation)
                    .where(AccessRevocation.user_id == user_id)
                    .values(not_before=not_before, recorded_at=not_before)
                )
            )
            if not changed:
                session.add(
                    AccessRevocation(user_id=user_id, not_before=not_before, recorded_at=not_before)
                )

    def record_session(self, session_id: str, not_before: float) -> None:
        """Set (or move forward) a session's not-before time."""
        with self._db.session() as session:
            changed = affected(
                session.execute(
                    update(SessionRevocation)
                    .where(SessionRevocation.session_id == session_id)
                    .values(not_before=not_before, recorded_at=not_before)
                )
            )
            if not changed:
                session.add(
                    SessionRevocation(
                        session_id=session_id, not_before=not_before, recorded_at=not_before
                    )
                )

    def sessions_since(self, recorded_after: float) -> dict[str, float]:
        """Session revocations recorded after a time, as ``{sid: not_before}``."""
        with self._db.session() as session:
            rows = session.execute(
                select(SessionRevocation.session_id, SessionRevocation.not_before).where(
                    SessionRevocation.recorded_at > recorded_after
                )
            )
            return {session_id: not_before for session_id, not_before in rows}

    def since(self, recorded_after: float) -> dict[str, float]:
        """Revocations recorded after a time, as ``{sub: not_before}``."""
        with self._db.session() as session:
            rows = session.execute(
                select(AccessRevocation.user_id, AccessRevocation.not_before).where(
                    AccessRevocation.recorded_at > recorded_after
                )
            )
            return {str(user_id): not_before for user_id, not_before in rows}

    def prune(self, older_than: float) -> int:
        """Forget revocations that no live token can be covered by."""
        with self._db.session() as session:
            users = affected(
                session.execute(
                    delete(AccessRevocation).where(AccessRevocation.not_before < older_than)
                )
            )
            sessions = affected(
                session.execute(
                    delete(SessionRevocation).where(SessionRevocation.not_before < older_than)
                )
            )
            return users + sessions
