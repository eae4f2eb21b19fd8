"""The session repository, the 0004 backfill and the unit of work, on both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text

from tests.databases import database_url
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.db import Database, alembic_config, make_engine
from ticketbooth.store.records import AuditEvent, SessionRecord, UserRecord
from ticketbooth.store.refresh_tokens import SqlRefreshTokenRepository
from ticketbooth.store.revocations import SqlRevocationRepository
from ticketbooth.store.sessions import SqlSessionRepository

from .conftest import NOW, new_token

__all__ = ["database_url"]


@pytest.fixture
def sessions(db: Database) -> SqlSessionRepository:
    return SqlSessionRepository(db)


def new_session(user_id: int, session_id: str, **changes: object) -> SessionRecord:
    fields: dict[str, object] = {
        "id": session_id,
        "user_id": user_id,
        "created_at": NOW,
        "last_used_at": NOW,
        "ip_address": "203.0.113.7",
        "user_agent": "Firefox",
        "amr": ("pwd", "otp"),
        **changes,
    }
    return SessionRecord(**fields)  # type: ignore[arg-type]


def test_add_get_and_touch(sessions: SqlSessionRepository, user: UserRecord) -> None:
    sessions.add(new_session(user.id, "s-1"))
    sessions.touch("s-1", NOW + timedelta(hours=1))

    stored = sessions.get("s-1")

    assert stored == new_session(user.id, "s-1", last_used_at=NOW + timedelta(hours=1))
    assert sessions.get("nope") is None


def test_list_is_newest_first_and_live_only(
    sessions: SqlSessionRepository, user_factory: Callable[..., UserRecord]
) -> None:
    alice, bob = user_factory(), user_factory()
    for number in range(3):
        sessions.add(new_session(alice.id, f"a-{number}", created_at=NOW + timedelta(number)))
    sessions.add(new_session(bob.id, "b-0"))
    assert sessions.revoke("a-1", "revoked", NOW)
    assert not sessions.revoke("a-1", "revoked", NOW)  # already ended

    assert [s.id for s in sessions.list_for_user(alice.id)] == ["a-2", "a-0"]
    assert sessions.get("a-1").revoked_reason == "revoked"  # type: ignore[union-attr]
    assert sessions.revoke_user(alice.id, "logout", NOW) == 2
    assert sessions.list_for_user(alice.id) == []
    assert [s.id for s in sessions.list_for_user(bob.id)] == ["b-0"]


def test_session_revocations_round_trip(db: Database) -> None:
    revocations = SqlRevocationRepository(db)
    revocations.record_session("s-1", 100.0)
    revocations.record_session("s-1", 150.0)  # moves forward in place
    revocations.record_session("s-2", 50.0)
    revocations.record(7, 60.0)

    assert revocations.sessions_since(0) == {"s-1": 150.0, "s-2": 50.0}
    assert revocations.sessions_since(100) == {"s-1": 150.0}
    assert revocations.since(0) == {"7": 60.0}
    assert revocations.prune(older_than=70) == 2  # s-2 and user 7
    assert revocations.sessions_since(0) == {"s-1": 150.0}


# -- one transaction for one change ---------------------------------------------------


def _event(name: str = "login") -> AuditEvent:
    return AuditEvent(at=NOW, event=name, outcome="success", user_id=1)


def test_unit_of_work_commits_everything_together(
    db: Database, user: UserRecord, sessions: SqlSessionRepository
) -> None:
    refresh, audit = SqlRefreshTokenRepository(db), SqlAuditLog(db)
    token = new_token(user.id, family_id="s-1")
    with db.session():
        sessions.add(new_session(user.id, "s-1"))
        refresh.add(token)
        audit.append(_event())
        with db.session():  # nested: joins the outer one
            sessions.touch("s-1", NOW)

    assert sessions.get("s-1") is not None
    assert refresh.get(token.id) is not None
    assert [e.event for e in audit.tail()] == ["login"]


def test_unit_of_work_rolls_everything_back(
    db: Database, user: UserRecord, sessions: SqlSessionRepository
) -> None:
    refresh, audit = SqlRefreshTokenRepository(db), SqlAuditLog(db)
    token = new_token(user.id, family_id="s-1")
    with pytest.raises(RuntimeError, match="audit outage"), db.session():
        sessions.add(new_session(user.id, "s-1"))
        refresh.add(token)
        raise RuntimeError("audit outage")

    assert sessions.get("s-1") is None
    assert refresh.get(token.id) is None
    assert audit.tail() == []
    assert audit.verify() == (0, None)


def test_without_a_unit_of_work_each_call_commits(
    db: Database, user: UserRecord, sessions: SqlSessionRepository
) -> None:
    with pytest.raises(RuntimeError):
        sessions.add(new_session(user.id, "s-1"))
        raise RuntimeError("later failure")
    assert sessions.get("s-1") is not None


# -- migration 0004: existing refresh-token families become sessions -----------------


def test_existing_families_get_a_session_row(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0003")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, username, password_hash, role, is_disabled,"
                    " created_at, updated_at) VALUES (1, 'ann', 'x', 'User', false, :t, :t)"
                ),
                {"t": NOW},
            )
        db = Database(engine)
        refresh = SqlRefreshTokenRepository(db)
        first = new_token(1, family_id="live")
        refresh.add(first)
        assert refresh.rotate(
            first.id, new_token(1, family_id="live", issued_at=NOW + timedelta(1)), NOW
        )
        ended = new_token(1, family_id="ended")
        refresh.add(ended)
        refresh.revoke_family("ended", "logout", NOW + timedelta(2))

        command.upgrade(config, "head")

        sessions = SqlSessionRepository(db)
        live, gone = sessions.get("live"), sessions.get("ended")
        assert live is not None and gone is not None
        assert (live.user_id, live.amr, live.revoked_at) == (1, ("pwd",), None)
        assert (live.created_at, live.last_used_at) == (NOW, NOW + timedelta(1))
        assert gone.revoked_at == NOW + timedelta(2)
        assert gone.revoked_reason == "migrated"
        assert [s.id for s in sessions.list_for_user(1)] == ["live"]
    finally:
        engine.dispose()
