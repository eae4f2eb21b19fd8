"""``ticketbooth users passkeys NAME`` and ``users remove-passkeys NAME`` (the passkeys
are stored directly here; registering and signing in are tests/passkeys' part)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from tests.cli.conftest import Cli, error_line
from ticketbooth.store.passkey_records import PasskeyRecord
from ticketbooth.store.passkeys import SqlPasskeyRepository


def _store(cli: Cli, name: str, label: str, created: datetime, used: datetime | None) -> None:
    with cli.services() as services:
        SqlPasskeyRepository(services.db).add(
            PasskeyRecord(
                id=str(uuid.uuid4()),
                user_id=services.users.find(name).id,
                credential_id=secrets.token_bytes(32),
                user_handle=b"h" * 32,
                public_key=b"not checked here",
                sign_count=0,
                transports=("internal",),
                name=label,
                created_at=created,
                last_used_at=used,
            )
        )


def test_passkeys_lists_name_created_and_last_use_oldest_first(cli: Cli) -> None:
    cli.add_user("alice")
    _store(cli, "alice", "Phone", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), None)
    used = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    _store(cli, "alice", "Work laptop", datetime(2026, 2, 1, tzinfo=UTC), used)

    assert cli.ok("users", "passkeys", "alice").stdout == (
        "Phone\t2026-01-02T03:04:05Z\tnever\n"
        "Work laptop\t2026-02-01T00:00:00Z\t2026-03-01T12:00:00Z\n"
    )


def test_remove_passkeys_removes_all_and_says_how_many(cli: Cli) -> None:
    cli.add_user("alice")
    cli.add_user("bob")
    now = datetime.now(UTC)
    for label in ("Phone", "Laptop"):
        _store(cli, "alice", label, now, None)
    _store(cli, "bob", "Phone", now, None)

    assert cli.ok("users", "remove-passkeys", "alice").stdout == (
        "removed 2 passkeys of alice; ended 0 sessions signed in with one\n"
    )
    assert cli.ok("users", "remove-passkeys", "alice").stdout == "alice had no passkeys\n"
    assert cli.ok("users", "passkeys", "alice").stdout == "alice has no passkeys\n"
    assert cli.ok("users", "passkeys", "bob").stdout.startswith("Phone\t")
    with cli.services() as services:
        events = [(e.event, e.detail) for e in services.audit_log.tail(10)]
    assert events.count(("passkeys_deleted", {"removed": 2})) == 1
    assert events.count(("passkeys_deleted", {"removed": 0})) == 1


def test_passkey_commands_of_an_unknown_user(cli: Cli) -> None:
    for command in ("passkeys", "remove-passkeys"):
        result = cli("users", command, "nobody")
        assert result.exit_code == 1
        assert error_line(result) == "error: no user 'nobody'"
