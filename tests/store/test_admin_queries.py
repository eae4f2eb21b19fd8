"""The console's queries: the user directory and the audit trail's pages and hourly counts.

Both engines; the hourly grouping is SQL of each engine's own dialect, so it is checked
on each, PostgreSQL also with a session time zone other than UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine

from tests.databases import MigratedDatabase
from ticketbooth.store.admin_records import AuditFilter, LoginCount
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.audit_query import SqlAuditQuery
from ticketbooth.store.db import Database
from ticketbooth.store.directory import SqlUserDirectory
from ticketbooth.store.mfa import SqlMfaRepository
from ticketbooth.store.records import AuditEvent, SessionRecord, UserRecord
from ticketbooth.store.sessions import SqlSessionRepository

from .conftest import NOW


def session_at(user_id: int, at: datetime, sid: str) -> SessionRecord:
    return SessionRecord(
        id=sid, user_id=user_id, created_at=at, last_used_at=at, ip_address=None,
        user_agent=None, amr=("pwd",),
    )  # fmt: skip


def test_search_pages_by_name_with_totp_and_last_login(
    db: Database, user_factory: Callable[..., UserRecord]
) -> None:
    bob = user_factory("bob", email="Bob@Example.org")
    alice = user_factory("Alice")
    user_factory("carol", email="carol@elsewhere.net")
    sessions = SqlSessionRepository(db)
    sessions.add(session_at(bob.id, NOW - timedelta(days=2), "s1"))
    sessions.add(session_at(bob.id, NOW, "s2"))
    mfa = SqlMfaRepository(db)
    mfa.put_totp(alice.id, b"secret", NOW)
    mfa.put_totp(bob.id, b"secret", NOW)
    mfa.confirm_totp(bob.id, 1, NOW)  # alice's is not confirmed: not on
    directory = SqlUserDirectory(db)

    total, page = directory.search(None, offset=0, limit=2)
    assert total == 3
    assert [u.username for u in page] == ["Alice", "bob"]  # by name, any case
    bob_row = page[1]
    assert (bob_row.has_totp, bob_row.last_login_at) == (True, NOW)
    assert (page[0].has_totp, page[0].last_login_at) == (False, None)
    assert [u.username for u in directory.search(None, offset=2, limit=2)[1]] == ["carol"]
    assert [u.username for u in directory.search("EXAMPLE.ORG", offset=0, limit=9)[1]] == ["bob"]
    assert directory.search("ali", offset=0, limit=9)[0] == 1
    assert directory.search("%", offset=0, limit=9) == (0, [])
    assert directory.summary(bob.id) == bob_row
    assert directory.summary(999) is None


@pytest.fixture
def log(db: Database) -> SqlAuditLog:
    return SqlAuditLog(db)


def event(
    at: datetime, name: str = "login", outcome: str = "success", **fields: object
) -> AuditEvent:
    return AuditEvent(at=at, event=name, outcome=outcome, **fields)  # type: ignore[arg-type]


def test_pages_are_newest_first_and_filtered(db: Database, log: SqlAuditLog) -> None:
    log.append(event(NOW - timedelta(hours=3), username="ann", user_id=1))
    log.append(event(NOW - timedelta(hours=2), "login", "failure", username="ann"))
    log.append(event(NOW - timedelta(hours=1), "logout", user_id=1))
    log.append(event(NOW, "login", username="ben", user_id=2))
    query = SqlAuditQuery(db)

    def ids(where: AuditFilter, **page: int) -> list[int]:
        return [r.id for r in query.page(where, offset=page.get("o", 0), limit=page.get("n", 9))[1]]

    assert ids(AuditFilter()) == [4, 3, 2, 1]
    assert ids(AuditFilter(), o=1, n=2) == [3, 2]
    assert query.page(AuditFilter(), offset=1, limit=2)[0] == 4
    assert ids(AuditFilter(user_id=1, username="ann")) == [3, 2, 1]  # by id or by name
    assert ids(AuditFilter(event="login", outcome="success")) == [4, 1]
    assert ids(AuditFilter(since=NOW - timedelta(hours=2), until=NOW)) == [3, 2]
    [row] = query.page(AuditFilter(event="logout"), offset=0, limit=1)[1]
    assert (row.event.user_id, row.event.at) == (1, NOW - timedelta(hours=1))


def test_logins_are_counted_per_utc_hour(db: Database, log: SqlAuditLog) -> None:
    hour = NOW.replace(minute=0)
    for at, name, outcome in [
        (hour + timedelta(minutes=1), "login", "success"),
        (hour + timedelta(minutes=59, seconds=59), "login", "success"),
        (hour + timedelta(minutes=30), "login", "failure"),
        (hour + timedelta(minutes=31), "mfa", "failure"),
        (hour + timedelta(minutes=32), "mfa", "success"),  # its login is the success
        (hour + timedelta(minutes=33), "rate_limited", "failure"),
        (hour + timedelta(hours=1), "login", "success"),
        (hour + timedelta(hours=1, minutes=5), "refresh", "success"),  # not a sign-in
        (hour - timedelta(days=8), "login", "success"),  # outside the range
    ]:
        log.append(event(at, name, outcome))

    counted = SqlAuditQuery(db).logins_per_hour(hour - timedelta(days=7), hour + timedelta(hours=2))

    assert counted == [
        LoginCount(hour, successes=2, failures=2, rate_limited=1),
        LoginCount(hour + timedelta(hours=1), successes=1),
    ]


@pytest.fixture
def db_in_kolkata(engine_name: str, migrated_database: MigratedDatabase) -> Iterator[Database]:
    """The same database through a connection whose session time zone is UTC+05:30."""
    if engine_name != "postgresql":
        pytest.skip("SQLite has no session time zone")
    engine = create_engine(
        migrated_database.url, connect_args={"options": "-c TimeZone=Asia/Kolkata"}
    )
    yield Database(engine)
    engine.dispose()


def test_hours_are_utc_whatever_the_session_time_zone(
    db: Database, db_in_kolkata: Database
) -> None:
    at = datetime(2030, 1, 1, 23, 50, tzinfo=UTC)  # 05:20 the next day in Kolkata
    SqlAuditLog(db).append(event(at))

    counted = SqlAuditQuery(db_in_kolkata).logins_per_hour(
        at - timedelta(days=1), at + timedelta(days=1)
    )

    assert counted == [LoginCount(datetime(2030, 1, 1, 23, tzinfo=UTC), successes=1)]
