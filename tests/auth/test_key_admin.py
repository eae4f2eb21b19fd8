"""Key administration (issue 11): each key change and its audit event, in one transaction."""

from __future__ import annotations

import pytest

from tests.auth.conftest import World
from ticketbooth.auth.audit import Auditor
from ticketbooth.auth.key_admin import KeyAdmin
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.records import AuditEvent


class Switch:
    """A transactional audit sink that can be made to fail."""

    is_transactional = True

    def __init__(self) -> None:
        self.is_down = False

    def append(self, event: AuditEvent) -> None:
        if self.is_down:
            raise RuntimeError("audit table unavailable")


@pytest.fixture
def parts(world: World) -> tuple[KeyAdmin, SqlAuditLog, Switch]:
    log, switch = SqlAuditLog(world.db), Switch()
    auditor = Auditor([log, switch], now=world.clock.now)
    return KeyAdmin(world.keyring, auditor=auditor, unit_of_work=world.db.session), log, switch


def events(log: SqlAuditLog) -> list[tuple[str, dict[str, str | int]]]:
    return [(e.event, e.detail) for e in log.tail()]


def test_each_operation_is_audited(parts: tuple[KeyAdmin, SqlAuditLog, Switch]) -> None:
    admin, log, _ = parts
    assert not admin.uses_env_secret
    generated = admin.generate("ES256")
    rotated = admin.rotate()
    assert rotated is not None
    admin.retire(generated.kid)

    assert events(log) == [
        ("key_generated", {"kid": generated.kid, "alg": "ES256"}),
        ("key_rotated", {"kid": rotated[0].kid, "next_kid": rotated[1].kid}),
        ("key_retired", {"kid": generated.kid}),
    ]
    assert {r.kid: r.state for r in admin.list()}[generated.kid] == "retired"


def test_rotation_when_due_is_audited_too(
    parts: tuple[KeyAdmin, SqlAuditLog, Switch], world: World
) -> None:
    admin, log, _ = parts
    admin.keyring.publish_next()
    assert admin.rotate_if_due(1) is None
    world.clock.advance(86_401)
    rotated = admin.rotate_if_due(1)
    assert rotated is not None
    assert events(log) == [("key_rotated", {"kid": rotated[0].kid, "next_kid": rotated[1].kid})]


def test_a_key_change_without_its_audit_row_is_undone(
    parts: tuple[KeyAdmin, SqlAuditLog, Switch],
) -> None:
    admin, log, switch = parts
    before = admin.list()
    switch.is_down = True

    with pytest.raises(RuntimeError, match="audit table unavailable"):
        admin.generate("EdDSA")

    assert admin.list() == before
    assert events(log) == []
