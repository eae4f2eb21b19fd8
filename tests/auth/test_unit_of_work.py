"""A rotation (or a login) and its audit row commit together or not at all.

``AuthService(unit_of_work=db.session)`` is how ``assembly.build`` wires it: the
repository call and the audit row written inside the unit join one transaction, so a
crash or a lost connection between them cannot leave a rotation nobody audited (the
kill -9 fault test in tests/faults counts that on real processes).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.auth.conftest import PASSWORD, REFRESH_LIFETIME, World
from ticketbooth.auth.audit import AuditEvent, Auditor
from ticketbooth.auth.service import AuthService, hash_refresh_token
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.db import Database
from ticketbooth.store.models import AuditRecord


class BrokenSink:
    """An audit sink that fails inside the database transaction it joins."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.is_broken = True

    def append(self, event: AuditEvent) -> None:
        with self.db.session():
            if self.is_broken:
                raise RuntimeError("audit write failed")


def _service(world: World, sink: BrokenSink) -> AuthService:
    return AuthService(
        users=world.users,
        refresh_tokens=world.refresh_tokens,
        issuer=world.issuer,
        hasher=world.hasher,
        limiter=world.limiter,
        refresh_lifetime=REFRESH_LIFETIME,
        auditor=Auditor([SqlAuditLog(world.db), sink], now=world.clock.now),
        unit_of_work=world.db.session,
        now=world.clock.now,
    )


def _audit_rows(db: Database, event: str) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).where(AuditRecord.event == event)) or 0)


def test_a_rotation_whose_audit_row_fails_is_rolled_back(world: World) -> None:
    world.add_user()
    sink = BrokenSink(world.db)
    sink.is_broken = False
    auth = _service(world, sink)
    pair = auth.login("john", PASSWORD)
    sink.is_broken = True
    with pytest.raises(RuntimeError, match="audit write failed"):
        auth.refresh(pair.refresh_token)
    row = world.refresh_tokens.find_by_hash(hash_refresh_token(pair.refresh_token))
    assert row is not None and row.revoked_at is None  # not rotated: the client may retry
    assert _audit_rows(world.db, "refresh") == 0
    sink.is_broken = False
    again = auth.refresh(pair.refresh_token)  # the same token still works
    assert again.refresh_token != pair.refresh_token
    assert _audit_rows(world.db, "refresh") == 1


def test_a_login_whose_audit_row_fails_stores_no_refresh_token(world: World) -> None:
    user = world.add_user()
    auth = _service(world, BrokenSink(world.db))
    with pytest.raises(RuntimeError, match="audit write failed"):
        auth.login("john", PASSWORD)
    now = datetime.fromtimestamp(world.clock.now(), UTC)
    assert world.refresh_tokens.revoke_user(user.id, "probe", now) == 0  # none was stored
    assert _audit_rows(world.db, "login") == 0


def test_the_rotation_and_its_audit_row_land_together(world: World) -> None:
    world.add_user()
    sink = BrokenSink(world.db)
    sink.is_broken = False
    auth = _service(world, sink)
    pair = auth.login("john", PASSWORD)
    auth.refresh(pair.refresh_token)
    assert (_audit_rows(world.db, "login"), _audit_rows(world.db, "refresh")) == (1, 1)
    count, broken = SqlAuditLog(world.db).verify()
    assert (count, broken) == (2, None)
