"""The audit hash chain on SQLite and PostgreSQL: intact, and every kind of tampering named."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ticketbooth.auth.audit import AuditEvent
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.db import Database

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def _event(n: int, **detail: str | int) -> AuditEvent:
    return AuditEvent(
        at=START + timedelta(seconds=n),
        event="login",
        outcome="success" if n % 2 else "failure",
        user_id=n,
        username=f"user{n}",
        address="203.0.113.7",
        user_agent="pytest",
        detail=detail,
    )


@pytest.fixture
def log(db: Database) -> SqlAuditLog:
    audit = SqlAuditLog(db)
    for n in range(1, 6):
        audit.append(_event(n, reason="bad_password"))
    return audit


def test_an_untouched_chain_verifies(log: SqlAuditLog) -> None:
    assert log.verify() == (5, None)


def test_tail_returns_the_newest_events_oldest_first(log: SqlAuditLog) -> None:
    tail = log.tail(3)
    assert [e.user_id for e in tail] == [3, 4, 5]
    assert tail[0] == _event(3, reason="bad_password")
    assert [e.username for e in log.tail(10, username="user2")] == ["user2"]


def test_an_edited_row_is_named(log: SqlAuditLog, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET outcome = 'success' WHERE id = 2"))
    count, broken = log.verify()
    assert count == 2
    assert broken is not None
    assert broken.row_id == 2
    assert "edited" in broken.reason
    assert str(broken).startswith("audit row 2:")


def test_a_deleted_row_is_named(log: SqlAuditLog, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id = 3"))
    _count, broken = log.verify()
    assert broken is not None
    assert broken.row_id == 3
    assert "missing" in broken.reason


def test_deleting_the_newest_rows_is_caught_by_the_head(log: SqlAuditLog, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE id >= 4"))
    _count, broken = log.verify()
    assert broken is not None
    assert "newest rows" in broken.reason


def test_an_inserted_row_breaks_the_next_link(log: SqlAuditLog, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET id = id + 100 WHERE id >= 3"))
        connection.execute(
            text(
                "INSERT INTO audit_events (id, at, event, outcome, detail, prev_hash, hash) "
                "SELECT 3, at, event, outcome, detail, prev_hash, hash FROM audit_events "
                "WHERE id = 2"
            )
        )
    _count, broken = log.verify()
    assert broken is not None
    assert broken.row_id == 3


def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    audit = SqlAuditLog(db)
    barrier = threading.Barrier(8)

    def append(worker: int) -> None:
        barrier.wait()
        for n in range(5):
            audit.append(_event(worker * 100 + n))

    threads = [threading.Thread(target=append, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert audit.verify() == (40, None)


def test_a_row_written_past_the_head_is_named(log: SqlAuditLog, db: Database) -> None:
    with db.engine.begin() as connection:  # a forged newest row that leaves the head alone
        connection.execute(
            text(
                "INSERT INTO audit_events (id, at, event, outcome, detail, prev_hash, hash) "
                "SELECT 6, at, event, outcome, detail, hash, hash FROM audit_events WHERE id = 5"
            )
        )
    count, broken = log.verify()
    assert count == 5
    assert broken is not None
    assert (broken.row_id, broken.reason) == (6, "inserted after the newest link")


def test_a_walk_from_a_verified_row_reads_only_the_rows_after_it(
    log: SqlAuditLog, db: Database
) -> None:
    count, broken, (last_id, last_hash) = log.verify_after(0, "0" * 64)
    assert (count, broken, last_id) == (5, None, 5)
    log.append(_event(6))
    log.append(_event(7))
    with db.engine.begin() as connection:  # an old row: only a whole walk sees it
        connection.execute(text("UPDATE audit_events SET outcome = 'success' WHERE id = 2"))

    assert log.verify_after(last_id, last_hash)[:2] == (2, None)
    assert log.verify_after(5, "f" * 64)[1] is not None  # the link from row 5 is checked
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET outcome = 'failure' WHERE id = 7"))
    count, broken, resume = log.verify_after(last_id, last_hash)
    assert broken is not None and broken.row_id == 7
    assert resume == (last_id, last_hash)  # a break is not a place to resume from
    _count, whole = log.verify()
    assert whole is not None and whole.row_id == 2


def test_text_beyond_ascii_and_absent_fields_hash_as_the_verifier_does(db: Database) -> None:
    # PostgreSQL computes the new row's hash in the append statement itself: what it
    # hashes must be byte for byte what the verifier hashes (UTF-8, JSON escapes, null).
    audit = SqlAuditLog(db)
    audit.append(
        AuditEvent(
            at=START,
            event="login",
            outcome="failure",
            user_id=None,
            username="Zoë 東京 🎫",
            address=None,
            user_agent='a "quoted" \\ back\tslash',
            detail={"reason": "ünknown", "n": 1},
        )
    )
    audit.append(_event(2))

    assert audit.verify() == (2, None)
    assert [e.username for e in audit.tail()] == ["Zoë 東京 🎫", "user2"]


def test_an_event_as_a_json_line_carries_every_field_and_escapes_like_json() -> None:
    import dataclasses
    import json
    from datetime import UTC, datetime, timedelta, timezone

    from ticketbooth.store.records import AuditEvent

    event = AuditEvent(
        at=datetime(2026, 3, 1, 13, 5, tzinfo=timezone(timedelta(hours=1))),
        event="login",
        outcome="failure",
        user_id=7,
        username='ädä "q"\n',
        address="10.0.0.1",
        user_agent=None,
        detail={"reason": "bad_password", "count": 2},
    )
    line = event.as_json()
    decoded = json.loads(line)
    assert set(decoded) == {f.name for f in dataclasses.fields(AuditEvent)}
    assert decoded["at"] == "2026-03-01T12:05:00Z"
    assert decoded["username"] == 'ädä "q"\n' and decoded["detail"]["count"] == 2
    assert line == json.dumps(decoded, sort_keys=True, separators=(",", ":"))
    assert "\n" not in line and line.isascii()
    assert datetime.fromisoformat(decoded["at"]).tzinfo == UTC
