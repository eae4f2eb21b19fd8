"""The session repository: one row per login, keyed by its refresh-token family."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from .db import Database, affected
from .direct import Direct
from .models import LoginSession
from .records import SessionRecord


def _record(row: LoginSession) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        amr=tuple(row.amr.split()),
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
    )


_TABLE = cast(Table, LoginSession.__table__)
_TOUCH = Direct(
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("session_id"))
    .values(last_used_at=bindparam("now"))
    .returning(_TABLE.c.amr)
)
"""A refresh's touch, built once on the table: it returns what the refresh needs."""


class SqlSessionRepository:
    """Sessions in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, record: SessionRecord) -> None:
        with self._db.session() as session:
            session.add(
                LoginSession(
                    id=record.id,
                    user_id=record.user_id,
                    created_at=record.created_at,
                    last_used_at=record.last_used_at,
                    ip_address=record.ip_address,
                    user_agent=record.user_agent,
                    amr=" ".join(record.amr),
                )
            )

    def get(self, session_id: str) -> SessionRecord | None:
        with self._db.read() as session:
            row = session.get(LoginSession, session_id)
            return _record(row) if row else None

    def list_for_user(self, user_id: int) -> list[SessionRecord]:
        """The user's sessions that are not revoked, newest first."""
        query = (
            select(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
            .order_by(LoginSession.created_at.desc(), LoginSession.id)
        )
        with self._db.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def touch(self, session_id: str, now: datetime) -> tuple[str, ...] | None:
        """Record a use (a refresh); how the session was proven (``amr``), or None when
        there is no such session.  One statement: the touch returns what a refresh needs."""
        with self._db.session() as session:
            row = _TOUCH.execute(
                session.connection(), {"session_id": session_id, "now": now}
            ).first()
            amr = row.amr if row else None
        return None if amr is None else tuple(amr.split())

    def revoke(self, session_id: str, reason: str, now: datetime) -> bool:
        """End one session; False when it was unknown or already ended."""
        with self._db.session() as session:
            return (
                affected(
                    session.execute(
                        update(LoginSession)
                        .where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
                        .values(revoked_at=now, revoked_reason=reason)
                    )
                )
                == 1
            )

    def revoke_user(self, user_id: int, reason: str, now: datetime) -> int:
        """End every session of a user; returns how many were live."""
        with self._db.session() as session:
            return affected(
                session.execute(
                    update(LoginSession)
                    .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_reason=reason)
                )
            )
