"""Direct: hot statements on the driver's cursor, with SQLAlchemy's types and errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from ticketbooth.store.db import Database, StoreUnavailableError
from ticketbooth.store.direct import Direct
from ticketbooth.store.models import LoginSession
from ticketbooth.store.records import UserRecord

SESSIONS = cast(Table, LoginSession.__table__)
BY_ID = Direct(select(SESSIONS).where(SESSIONS.c.id == bindparam("session_id")))
ADD = Direct(insert(SESSIONS))
TOUCH = Direct(
    update(SESSIONS)
    .where(SESSIONS.c.id == bindparam("session_id"))
    .values(last_used_at=bindparam("now"), revoked_reason="touched")
    .returning(SESSIONS.c.amr, SESSIONS.c.last_used_at)
)


@pytest.fixture
def user(user_factory: Callable[..., UserRecord]) -> UserRecord:
    return user_factory()


def _add(db: Database, user: UserRecord, at: datetime) -> str:
    session_id = str(uuid.uuid4())
    with db.session() as session:
        ADD.execute(
            session.connection(),
            {
                "id": session_id,
                "user_id": user.id,
                "created_at": at,
                "last_used_at": at,
                "amr": "pwd otp",
            },
        )
    return session_id


def test_rows_come_back_with_the_column_types_applied(db: Database, user: UserRecord) -> None:
    paris = timezone(timedelta(hours=1))
    session_id = _add(db, user, datetime(2030, 1, 1, 13, 0, tzinfo=paris))
    with db.read() as session:
        row = BY_ID.execute(session.connection(), {"session_id": session_id}).first()
    assert row.id == session_id and row.user_id == user.id and row.amr == "pwd otp"
    assert row.created_at == datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    assert row.created_at.tzinfo == UTC  # aware UTC on both engines, as the ORM gives
    with db.read() as session:
        assert BY_ID.execute(session.connection(), {"session_id": "nope"}).first() is None


def test_an_update_counts_its_rows_and_binds_the_statements_own_values(
    db: Database, user: UserRecord
) -> None:
    session_id = _add(db, user, datetime(2030, 1, 1, tzinfo=UTC))
    later = datetime(2030, 1, 2, tzinfo=UTC)
    with db.session() as session:
        result = TOUCH.execute(session.connection(), {"session_id": session_id, "now": later})
    assert result.rowcount == 1
    assert result.first().amr == "pwd otp" and result.first().last_used_at == later
    with db.session() as session:
        missing = TOUCH.execute(session.connection(), {"session_id": "nope", "now": later})
    assert missing.rowcount == 0 and missing.first() is None
    with db.read() as session:
        row = BY_ID.execute(session.connection(), {"session_id": session_id}).first()
    assert row.revoked_reason == "touched"  # the value the statement binds itself


def test_the_column_type_still_refuses_a_naive_time(db: Database, user: UserRecord) -> None:
    with pytest.raises(ValueError, match="naive datetime"), db.session() as session:
        ADD.execute(
            session.connection(),
            {
                "id": str(uuid.uuid4()),
                "user_id": user.id,
                "created_at": datetime(2030, 1, 1),
                "last_used_at": datetime(2030, 1, 1),
                "amr": "pwd",
            },
        )


def test_a_refusal_is_sqlalchemys_error_and_the_unit_rolls_back(
    db: Database, user: UserRecord
) -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    first = _add(db, user, at)
    second = str(uuid.uuid4())
    values = {"user_id": user.id, "created_at": at, "last_used_at": at, "amr": "pwd"}
    with pytest.raises(IntegrityError), db.session() as session:
        ADD.execute(session.connection(), {**values, "id": second})
        ADD.execute(session.connection(), {**values, "id": first})  # a duplicate key
    with db.read() as session:  # the first insert of the unit went with it
        assert BY_ID.execute(session.connection(), {"session_id": second}).first() is None


def test_a_lost_connection_is_invalidated_and_reported_as_unavailable(
    db: Database, user: UserRecord
) -> None:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    session_id = _add(db, user, at)
    with pytest.raises(StoreUnavailableError), db.session() as session:
        connection = session.connection()
        connection.connection.dbapi_connection.close()  # type: ignore[union-attr]
        BY_ID.execute(connection, {"session_id": session_id})
    with db.read() as session:  # the pool hands out a working connection again
        assert BY_ID.execute(session.connection(), {"session_id": session_id}).first()


def test_a_cursor_listener_sees_every_statement(db: Database, user: UserRecord) -> None:
    seen: list[str] = []

    def listen(*args: Any) -> None:
        statement = args[2]
        seen.append(" ".join(statement.split()))

    session_id = _add(db, user, datetime(2030, 1, 1, tzinfo=UTC))
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with db.session() as session:
            row = BY_ID.execute(session.connection(), {"session_id": session_id}).first()
            touched = TOUCH.execute(
                session.connection(), {"session_id": session_id, "now": row.created_at}
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert row.created_at.tzinfo == UTC and touched.rowcount == 1
    assert touched.first().amr == "pwd otp"
    assert any(s.startswith("SELECT") and "FROM sessions" in s for s in seen)
    assert any(s.startswith("UPDATE sessions") for s in seen)


def test_only_core_statements_are_taken() -> None:
    with pytest.raises(TypeError, match="Direct takes a Core statement"):
        Direct(object())  # type: ignore[arg-type]
