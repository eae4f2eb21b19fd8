"""The outbox: mails written in the transaction of the change that causes them.

A sender claims due mails with a conditional UPDATE on ``claimed_until`` (a lease), so
with several instances each mail is delivered by one of them; on PostgreSQL the
candidate rows are read ``FOR UPDATE SKIP LOCKED`` so instances do not queue on each
other.  A delivered mail keeps its recipient and subject but loses its bodies (they
carry one-time links).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update

from .db import Database, affected
from .models import OutboxMail
from .records import MailRecord


def _record(row: OutboxMail) -> MailRecord:
    return MailRecord(
        id=row.id,
        recipient=row.recipient,
        subject=row.subject,
        body_text=row.body_text,
        body_html=row.body_html,
        created_at=row.created_at,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


class SqlOutboxRepository:
    """The outbox table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, *, recipient: str, subject: str, body_text: str, body_html: str) -> None:
        now = datetime.now(UTC)
        with self._db.session() as session:
            session.add(
                OutboxMail(
                    recipient=recipient,
                    subject=subject[:300],
                    body_text=body_text,
                    body_html=body_html,
                    created_at=now,
                    attempts=0,
                    next_attempt_at=now,
                )
            )
            session.flush()  # one INSERT per call, never batched with another

    def pending(self) -> list[MailRecord]:
        """Mails not delivered yet, oldest first."""
        query = select(OutboxMail).where(OutboxMail.sent_at.is_(None)).order_by(OutboxMail.id)
        with self._db.session() as session:
            return [_record(row) for row in session.scalars(query)]

    def claim(self, now: datetime, lease_seconds: float, limit: int) -> list[MailRecord]:
        """Take up to ``limit`` due mails for ``lease_seconds``; no other sender gets them."""
        free = or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)
        due = (
            select(OutboxMail.id)
            .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now, free)
            .order_by(OutboxMail.id)
            .limit(limit)
        )
        claimed: list[MailRecord] = []
        with self._db.session() as session:
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            for mail_id in list(session.scalars(due)):
                result = session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None), free)
                    .values(claimed_until=now + timedelta(seconds=lease_seconds))
                )
                if affected(result) == 1:
                    row = session.get(OutboxMail, mail_id)
                    if row is not None:
                        session.refresh(row)
                        claimed.append(_record(row))
        return claimed

    def mark_sent(self, mail_id: int, now: datetime) -> None:
        with self._db.session() as session:
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(
                    sent_at=now,
                    claimed_until=None,
                    attempts=OutboxMail.attempts + 1,
                    body_text="",
                    body_html="",
                    last_error=None,
                )
            )

    def mark_failed(self, mail_id: int, error: str, retry_at: datetime) -> None:
        with self._db.session() as session:
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id)
                .values(
                    claimed_until=None,
                    attempts=OutboxMail.attempts + 1,
                    next_attempt_at=retry_at,
                    last_error=error[:300],
                )
            )
