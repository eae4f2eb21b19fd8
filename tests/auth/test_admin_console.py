"""The admin console's services (``ticketbooth.auth.admin``) over a real database.

Each change runs in one unit of work with its audit row, which names the administrator:
if the row cannot be written, the change is not kept either.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.auth.conftest import FakeClock, fast_hasher
from tests.databases import MigratedDatabase
from tests.servers import closed_port
from ticketbooth._build_admin import build_admin, redis_probe
from ticketbooth.assembly import Services, build
from ticketbooth.auth.admin import AdminConsole, KeyConsole, Paging, StatusProbe
from ticketbooth.auth.admin._common import refused_as
from ticketbooth.auth.admin.keys import RACED
from ticketbooth.auth.audit import Actor, RequestContext, acting
from ticketbooth.auth.key_admin import KeyAdmin
from ticketbooth.config import Settings
from ticketbooth.errors import BadRequestError, ConfigurationError, ConflictError, NotFoundError
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.db import Database, StoreUnavailableError
from ticketbooth.store.records import AuditEvent

PASSWORD = "correct horse battery staple"
ADMIN = Actor("root", user_id=None, context=RequestContext("192.0.2.7", "console-test"))


class FailingAuditTable:
    """A transactional audit sink that fails inside the change's unit of work."""

    is_transactional = True

    def __init__(self, db: Database) -> None:
        self.db = db
        self.is_broken = False

    def append(self, event: AuditEvent) -> None:
        with self.db.session():
            if self.is_broken:
                raise RuntimeError("audit write failed")


@pytest.fixture
def services(
    db: Database, migrated_database: MigratedDatabase, clock: FakeClock
) -> Iterator[Services]:
    settings = Settings(database_url=migrated_database.url, secret_key="s" * 40)
    svc = build(settings, hasher=fast_hasher(), now=clock.now)
    yield svc
    svc.close()


@pytest.fixture
def console(services: Services) -> AdminConsole:
    return build_admin(services)


def rows(services: Services, event: str) -> list[AuditEvent]:
    return [e for e in services.audit_log.tail(1000) if e.event == event]


def test_a_change_whose_audit_row_fails_is_not_kept(
    services: Services, console: AdminConsole
) -> None:
    user = services.users.add("alice", PASSWORD, role="User", email=None)
    sink = FailingAuditTable(services.db)
    services.auditor.add_sink(sink)
    sink.is_broken = True

    with pytest.raises(RuntimeError, match="audit write failed"):
        console.users.set_disabled(ADMIN, user.id, is_disabled=True)

    assert console.users.get(user.id).is_disabled is False
    assert rows(services, "user_disabled") == []


def test_every_event_of_a_change_names_the_admin_and_where_they_were(
    services: Services, console: AdminConsole
) -> None:
    user = services.users.add("alice", PASSWORD, role="User", email=None)

    console.users.set_disabled(ADMIN, user.id, is_disabled=True)
    console.users.end_sessions(ADMIN, user.id)

    for event in (*rows(services, "user_disabled"), *rows(services, "sessions_revoked")):
        assert event.detail["admin"] == "root"
        assert (event.address, event.user_agent) == ("192.0.2.7", "console-test")
    assert SqlAuditLog(services.db).verify() == (3, None)


def test_acting_names_the_admin_only_inside_the_block(services: Services) -> None:
    with acting(ADMIN):
        services.auditor.record("probe_inside")
    services.auditor.record("probe_after")

    inside, after = rows(services, "probe_inside"), rows(services, "probe_after")
    assert inside[0].detail == {"admin": "root"}
    assert after[0].detail == {}
    assert after[0].address is None


def test_an_event_with_its_own_context_keeps_it(services: Services) -> None:
    with acting(ADMIN):
        services.auditor.record("probe", context=RequestContext("198.51.100.1"))
    [event] = rows(services, "probe")
    assert (event.address, event.detail) == ("198.51.100.1", {"admin": "root"})


def test_an_admin_is_refused_changes_to_their_own_account(
    services: Services, console: AdminConsole
) -> None:
    me = services.users.add("root", PASSWORD, role="Admin", email=None)
    actor = Actor("root", user_id=me.id)

    for change in (
        lambda: console.users.set_disabled(actor, me.id, is_disabled=True),
        lambda: console.users.set_role(actor, me.id, "User"),
        lambda: console.users.delete(actor, me.id, confirm="root"),
    ):
        with pytest.raises(BadRequestError, match="your own account"):
            change()
    assert console.users.get(me.id).role == "Admin"
    assert rows(services, "user_deleted") == []


def test_unknown_users_are_not_found(console: AdminConsole) -> None:
    with pytest.raises(NotFoundError) as caught:
        console.users.sign_out(ADMIN, 123456)
    assert caught.value.message == "No user with id 123456"


@pytest.mark.parametrize(
    ("page", "size", "message"),
    [
        (0, 20, "page must be between 1 and 1,000,000"),
        (1, 0, "size must be between 1 and 100"),
        (1, 101, "size must be between 1 and 100"),
    ],
)
def test_paging_is_checked_once(page: int, size: int, message: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        Paging(page, size)
    assert caught.value.message == message


def test_the_chart_has_every_hour_of_the_week(console: AdminConsole, clock: FakeClock) -> None:
    hours = console.audit.logins()
    assert len(hours) == 168
    assert hours[-1].hour.timestamp() <= clock.now() < hours[-1].hour.timestamp() + 3600


class RacedKeyAdmin(KeyAdmin):
    """Key administration that always loses the race to another instance's rotation."""

    def rotate(self) -> None:
        return None


def test_a_rotation_lost_to_another_instance_is_a_conflict(services: Services) -> None:
    raced = RacedKeyAdmin(services.keyring, auditor=services.auditor)
    keys = KeyConsole(raced, signing_kid=lambda: "", reload=services.reload_keys)

    with pytest.raises(ConflictError) as caught:
        keys.rotate(ADMIN)
    assert caught.value.message == RACED


def test_a_database_outage_is_not_turned_into_a_client_error() -> None:
    def unreachable() -> None:
        raise StoreUnavailableError()

    with pytest.raises(StoreUnavailableError):
        refused_as(BadRequestError, unreachable)

    def bad_input() -> None:
        raise ConfigurationError("bad name")

    with pytest.raises(BadRequestError, match="bad name") as caught:
        refused_as(BadRequestError, bad_input)
    assert isinstance(caught.value.__cause__, ConfigurationError)


def test_the_status_says_what_is_down(console: AdminConsole) -> None:
    def unreachable() -> None:
        raise StoreUnavailableError()

    with closed_port() as port:
        redis_down = redis_probe(f"redis://127.0.0.1:{port}/0")
        probe = StatusProbe(
            check_database=unreachable,
            check_redis=redis_down,
            keys=console.keys,
            audit=console.audit,
        )
        status = probe.status()
    assert (status.database, status.redis) == ("unavailable", "unavailable")
    assert status.chain.checked == 0


def test_the_status_walks_only_the_rows_appended_since_its_last_walk(
    services: Services, console: AdminConsole
) -> None:
    services.auditor.record("probe")
    first = console.audit.latest()
    for _ in range(3):
        services.auditor.record("probe")
    with services.db.session() as session:  # an old row edited: a whole walk sees it
        session.execute(text("UPDATE audit_events SET outcome = 'failure' WHERE id = 1"))

    second = console.audit.latest()

    assert first.is_intact and second.is_intact
    assert second.checked == first.checked + 3
    whole = console.audit.verify()
    assert (whole.broken_at, whole.reason) == (1, "its contents do not match its hash (edited)")
    assert console.audit.latest() == whole  # reported until a whole walk finds none
