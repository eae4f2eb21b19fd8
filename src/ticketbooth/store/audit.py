"""The audit log as a hash chain.

Row *n* stores ``hash = SHA-256(prev_hash || canonical JSON of row n)`` and the previous
row's hash.  Editing a row breaks its own hash; deleting or inserting one breaks the
next row's link; deleting the newest rows is caught by the ``audit_head`` row, which
holds the last id and hash.  Appends lock the head row first, so concurrent writers
(several instances on one database) queue up instead of forking the chain.

This detects tampering by someone with write access to the table who does not also
recompute every later hash and the head; it is evidence, not prevention.  Ship the
JSON log lines somewhere else too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update

from .db import Database
from .direct import Direct
from .models import AuditHead, AuditRecord
from .records import AuditEvent

GENESIS = "0" * 64


def _digest(prev_hash: str, row_id: int, event: AuditEvent, detail: str) -> str:
    return _chain_hash(prev_hash, row_id, _tail(event, detail))


def _tail(event: AuditEvent, detail: str) -> str:
    """The row's canonical JSON after its id: ``[id,`` + this is what is hashed."""
    return json.dumps(
        [
            event.at.astimezone(UTC).isoformat(),
            event.event,
            event.outcome,
            event.user_id,
            event.username,
            event.address,
            event.user_agent,
            detail,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )[1:]


def _chain_hash(prev_hash: str, row_id: int, tail: str) -> str:
    return hashlib.sha256(f"{prev_hash}[{row_id},{tail}".encode()).hexdigest()


APPEND_POSTGRESQL = text(
    """
    WITH prev AS MATERIALIZED (
        SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE
    ), head AS (
        UPDATE audit_head
        SET last_id = prev.last_id + 1,
            last_hash = encode(sha256(convert_to(
                prev.last_hash || '[' || (prev.last_id + 1)::text || ',' || :tail, 'UTF8'
            )), 'hex')
        FROM prev
        WHERE audit_head.id = 1
        RETURNING audit_head.last_id, audit_head.last_hash, prev.last_hash AS prev_hash
    )
    INSERT INTO audit_events
        (id, at, event, outcome, user_id, username, address, user_agent, detail,
         prev_hash, hash)
    VALUES ((SELECT last_id FROM head), :at, :event, :outcome, :user_id, :username,
            :address, :user_agent, :detail,
            (SELECT prev_hash FROM head), (SELECT last_hash FROM head))
    RETURNING id, prev_hash, hash
    """
)
"""The whole append as one statement on PostgreSQL: lock and read the head, move it on
with the new row's hash (SHA-256 of ``prev_hash || "[" || id || "," || tail``, computed
by the database), and insert the row.  The head stays locked until the commit, so this
is the last statement before it: one round trip, then the commit."""
_APPEND_POSTGRESQL = Direct(APPEND_POSTGRESQL)

# Elsewhere (SQLite), the append's three statements, built once on the tables.
_HEAD = cast(Table, AuditHead.__table__)
_TAKE_HEAD = Direct(
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_id=_HEAD.c.last_id + 1)
    .returning(_HEAD.c.last_id, _HEAD.c.last_hash)
)
_INSERT_ROW = Direct(insert(cast(Table, AuditRecord.__table__)))
_MOVE_HEAD = Direct(update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=bindparam("new_hash")))


def _event_of(row: AuditRecord) -> AuditEvent:
    return AuditEvent(
        at=row.at,
        event=row.event,
        outcome=row.outcome,
        user_id=row.user_id,
        username=row.username,
        address=row.address,
        user_agent=row.user_agent,
        detail=json.loads(row.detail),
    )


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place the chain does not hold."""

    row_id: int
    reason: str

    def __str__(self) -> str:
        return f"audit row {self.row_id}: {self.reason}"


class SqlAuditLog:
    """Appends events to the chain, reads them back, and verifies the chain.

    Transactional: inside a unit of work (``Database.transaction``) the row commits or
    rolls back with the change it records, and a failure to write it fails the change.
    """

    is_transactional = True

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(self, event: AuditEvent) -> None:
        """Add ``event`` as the next link, in one transaction.

        The head row is locked from the first statement until the commit, and every
        append on every instance queues on it: append last in a unit of work, just
        before its commit.  On PostgreSQL the append is one statement
        (:data:`APPEND_POSTGRESQL`), whose database-computed hash is checked here
        against the one the chain's verifier computes.  Elsewhere the first statement
        both takes the head's lock and reads it (``UPDATE ... RETURNING``: a write, so
        SQLite takes its write lock at once), then the row and the head's new hash.

        Raises:
            RuntimeError: the database's hash differs from the verifier's (the row is
                not kept: the unit of work rolls back).
        """
        detail = json.dumps(event.detail, sort_keys=True, separators=(",", ":"))
        tail = _tail(event, detail)
        row = {
            "at": event.at,
            "event": event.event,
            "outcome": event.outcome,
            "user_id": event.user_id,
            "username": event.username,
            "address": event.address,
            "user_agent": event.user_agent,
            "detail": detail,
        }
        with self._db.session() as session:
            session.flush()  # the unit's pending ORM writes go before the head is locked
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                row_id, prev_hash, digest = _APPEND_POSTGRESQL.execute(
                    connection, {"tail": tail, **row}
                ).rows[0]
                if digest != _chain_hash(prev_hash, row_id, tail):
                    raise RuntimeError("the database hashed an audit row differently")
                return
            row_id, prev_hash = _TAKE_HEAD.execute(connection, {}).rows[0]
            digest = _chain_hash(prev_hash, row_id, tail)
            _INSERT_ROW.execute(
                connection, {"id": row_id, **row, "prev_hash": prev_hash, "hash": digest}
            )
            _MOVE_HEAD.execute(connection, {"new_hash": digest})

    def tail(self, limit: int = 20, *, username: str | None = None) -> list[AuditEvent]:
        """The newest ``limit`` events, oldest first; only one user's with ``username``."""
        query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit)
        if username is not None:
            query = query.where(AuditRecord.username == username)
        with self._db.session() as session:
            rows = list(session.scalars(query))
        return [_event_of(row) for row in reversed(rows)]

    def verify(self) -> tuple[int, ChainBreak | None]:
        """Walk the chain: (rows checked, the first break or None)."""
        count, broken, _last = self.verify_after(0, GENESIS)
        return count, broken

    def verify_after(
        self, last_id: int, last_hash: str
    ) -> tuple[int, ChainBreak | None, tuple[int, str]]:
        """Walk the rows after row ``last_id``, whose hash was ``last_hash``.

        (0, :data:`GENESIS`) walks the whole chain.  Returns the rows checked, the first
        break or None, and the (id, hash) of the newest row checked, where the next walk
        may start.  Rows before ``last_id`` are not read, so an edit to them goes unseen:
        only a whole walk proves the whole chain.
        """
        with self._db.session() as session:
            # The head first: rows appended while the walk runs lie beyond it and wait for
            # the next walk, instead of looking like a head that moved (rows deleted).
            head = session.get(AuditHead, 1)
            query = select(AuditRecord).where(AuditRecord.id > last_id)
            if head is not None:
                query = query.where(AuditRecord.id <= head.last_id)
            rows = session.scalars(query.order_by(AuditRecord.id).execution_options(yield_per=500))
            try:
                count, broken, newest_id, newest_hash = _walk(rows, last_hash, last_id + 1)
            finally:
                rows.close()
        if broken is not None:
            return count, broken, (last_id, last_hash)
        if head is not None and (head.last_id != newest_id or head.last_hash != newest_hash):
            broken = ChainBreak(head.last_id, "the newest rows were deleted or replaced")
            return count, broken, (last_id, last_hash)
        if (beyond := self._beyond_head()) is not None:
            return count, ChainBreak(beyond, "inserted after the newest link"), (last_id, last_hash)
        return count, None, (newest_id, newest_hash)

    def _beyond_head(self) -> int | None:
        """A row past the head, which no append writes (each moves the head with its row).

        The highest id is read before the head, so a row appended meanwhile is within it.
        """
        with self._db.read() as session:
            highest = session.scalar(select(func.max(AuditRecord.id)))
        with self._db.read() as session:
            head = session.get(AuditHead, 1)
        if highest is None or head is None or highest <= head.last_id:
            return None
        return int(highest)


def _walk(
    rows: Iterable[AuditRecord], expected_prev: str, expected_id: int
) -> tuple[int, ChainBreak | None, int, str]:
    """Check each link from row ``expected_id`` on: (rows read, first break, last id, last
    hash)."""
    count = 0
    for row in rows:
        count += 1
        if row.id != expected_id:
            return count, ChainBreak(expected_id, f"missing (next row is {row.id})"), 0, ""
        if row.prev_hash != expected_prev:
            return count, ChainBreak(row.id, "does not link to the row before it"), 0, ""
        if _digest(row.prev_hash, row.id, _event_of(row), row.detail) != row.hash:
            reason = "its contents do not match its hash (edited)"
            return count, ChainBreak(row.id, reason), 0, ""
        expected_prev, expected_id = row.hash, row.id + 1
    return count, None, expected_id - 1, expected_prev
