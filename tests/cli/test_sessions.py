"""``ticketbooth users sessions NAME`` and ``users reset-mfa NAME``."""

from __future__ import annotations

import time

import pyotp

from tests.cli.conftest import PASSWORD, Cli, error_line
from ticketbooth.auth.audit import RequestContext

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def test_sessions_lists_live_sessions_newest_first(cli: Cli) -> None:
    cli.add_user("alice")
    with cli.services() as services:
        services.auth.login(
            "alice", PASSWORD, context=RequestContext(address="10.0.0.1", user_agent=FIREFOX)
        )
        services.auth.login("alice", PASSWORD)
        services.auth.login("alice", PASSWORD)
        ids = [s.id for s in services.sessions.list(services.users.find("alice").id)]
        services.sessions.revoke(services.users.find("alice").id, ids[0])

    lines = cli.ok("users", "sessions", "alice").stdout.splitlines()

    assert len(lines) == 2
    assert [line.split("\t")[0] for line in lines] == ids[1:]
    assert lines[1].split("\t")[3:] == ["10.0.0.1", "Firefox on Linux", "pwd"]
    assert lines[0].split("\t")[3:] == ["-", "Unknown device", "pwd"]


def test_sessions_of_a_user_without_any(cli: Cli) -> None:
    cli.add_user("alice")
    assert cli.ok("users", "sessions", "alice").stdout == "alice has no live sessions\n"


def test_sessions_of_an_unknown_user(cli: Cli) -> None:
    result = cli("users", "sessions", "nobody")
    assert result.exit_code == 1
    assert error_line(result) == "error: no user 'nobody'"


def test_reset_mfa_removes_totp(cli: Cli) -> None:
    cli.add_user("alice")
    with cli.services() as services:
        user = services.users.find("alice")
        secret = services.mfa.setup_totp(user).secret
        services.mfa.confirm_totp(user, pyotp.TOTP(secret).at(time.time()))
        assert services.auth.authenticate("alice", PASSWORD).needs_second_factor

    assert cli.ok("users", "reset-mfa", "alice").stdout == (
        "two-step verification of alice removed\n"
    )
    assert cli.ok("users", "reset-mfa", "alice").stdout == "alice had no TOTP\n"
    with cli.services() as services:
        assert not services.auth.authenticate("alice", PASSWORD).needs_second_factor
        assert services.mfa.status(services.users.find("alice").id).recovery_codes == 0
        events = [e.event for e in services.audit_log.tail(10)]
    assert "mfa_reset" in events
