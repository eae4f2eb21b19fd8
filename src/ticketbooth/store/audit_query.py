"""The audit trail as the console reads it: filtered pages, and sign-ins per hour.

The hourly counts are grouped in SQL, so a week of a busy service is 168 rows at most
whatever the number of events.  Each engine names the hour in its own dialect
(:func:`_hour`); both give ``YYYY-MM-DD HH`` in UTC.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select

from .admin_records import AuditFilter, AuditRow, LoginCount
from .db import Database
from .models import AuditRecord
from .records import AuditEvent

LOGIN_EVENTS = ("login", "mfa", "rate_limited")
"""What the chart counts: sign-ins (a session begun: ``login``), failures (a wrong password
or second factor: ``login`` or ``mfa`` failing), and refusals by the limiter."""

_HOUR_FORMAT = "%Y-%m-%d %H"


def _hour(dialect: str) -> ColumnElement[str]:
    """The UTC hour of ``at`` as ``YYYY-MM-DD HH`` text, in the engine's own SQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", AuditRecord.at), "YYYY-MM-DD HH24")
    # SQLite keeps the UTC time as ISO text, which strftime reads.
    return func.strftime(_HOUR_FORMAT, AuditRecord.at)


def _row(record: AuditRecord) -> AuditRow:
    return AuditRow(
        id=record.id,
        event=AuditEvent(
            at=record.at,
            event=record.event,
            outcome=record.outcome,
            user_id=record.user_id,
            username=record.username,
            address=record.address,
            user_agent=record.user_agent,
            detail=json.loads(record.detail),
        ),
    )


def _conditions(where: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    about = []
    if where.user_id is not None:
        about.append(AuditRecord.user_id == where.user_id)
    if where.username is not None:
        about.append(AuditRecord.username == where.username)
    if about:
        conditions.append(or_(*about))
    if where.event is not None:
        conditions.append(AuditRecord.event == where.event)
    if where.outcome is not None:
        conditions.append(AuditRecord.outcome == where.outcome)
    if where.since is not None:
        conditions.append(AuditRecord.at >= where.since)
    if where.until is not None:
        conditions.append(AuditRecord.at < where.until)
    return conditions


class SqlAuditQuery:
    """Reads the ``audit_events`` table (the chain itself is :class:`.audit.SqlAuditLog`'s)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def page(self, where: AuditFilter, *, offset: int, limit: int) -> tuple[int, list[AuditRow]]:
        """(how many rows match, the page of them newest first)."""
        conditions = _conditions(where)
        count = select(func.count()).select_from(AuditRecord).where(*conditions)
        query = (
            select(AuditRecord)
            .where(*conditions)
            .order_by(AuditRecord.id.desc())
            .offset(offset)
            .limit(limit)
        )
        with self._db.read() as session:
            total = int(session.scalar(count) or 0)
            return total, [_row(record) for record in session.scalars(query)]

    def logins_per_hour(self, since: datetime, until: datetime) -> list[LoginCount]:
        """Sign-ins per UTC hour in [since, until) that had any, oldest first."""
        with self._db.read() as session:
            hour = _hour(session.get_bind().dialect.name).label("hour")
            query = (
                select(
                    hour,
                    _count((AuditRecord.event == "login") & _ok()),
                    _count((AuditRecord.event != "rate_limited") & ~_ok()),
                    _count(AuditRecord.event == "rate_limited"),
                )
                .where(
                    AuditRecord.event.in_(LOGIN_EVENTS),
                    AuditRecord.at >= since,
                    AuditRecord.at < until,
                )
                .group_by(hour)
                .order_by(hour)
            )
            rows = session.execute(query).all()
        return [
            LoginCount(
                hour=datetime.strptime(str(row[0]), _HOUR_FORMAT).replace(tzinfo=UTC),
                successes=int(row[1]),
                failures=int(row[2]),
                rate_limited=int(row[3]),
            )
            for row in rows
        ]


def _ok() -> ColumnElement[bool]:
    return AuditRecord.outcome == "success"


def _count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))
