"""Every authentication event lands in `ticketbooth audit tail` and in the JSON log."""

from __future__ import annotations

import json
import sqlite3

from tests.servers import PASSWORDS, SECRET, ServerFactory

EVENTS = {
    "user_created",
    "login",
    "refresh",
    "refresh_reuse",
    "logout",
    "rate_limited",
    "role_changed",
    "password_changed",
    "user_disabled",
    "user_enabled",
    "access_revoked",
    "key_rotated",
}


def test_every_event_is_audited_and_tampering_is_named(server_factory: ServerFactory) -> None:
    server = server_factory(
        settings={
            "TICKETBOOTH_LOGIN_USER_FAILURES": "2",
            "TICKETBOOTH_AUDIT_LOG": "audit.jsonl",
            # database keys, so that `keys rotate` is allowed
            "TICKETBOOTH_SECRET_KEY": "",
        }
    )
    assert server.cli("users", "set-role", "john", "Admin").returncode == 0
    assert server.cli("users", "set-role", "john", "User").returncode == 0
    assert server.cli("keys", "rotate").returncode == 0
    with server.client() as client:
        pair = server.login("john")
        first = client.post("/api/auth/refresh-token", json={"refreshToken": pair["refreshToken"]})
        assert first.status_code == 200
        reuse = client.post("/api/auth/refresh-token", json={"refreshToken": pair["refreshToken"]})
        assert reuse.status_code == 401
        token = server.token("john")
        logout = client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert logout.status_code == 204
        for _ in range(3):
            client.post("/api/auth/login", json={"username": "admin", "password": "nope-nope"})
    new_password = "another long passphrase 7"
    assert (
        server.cli(
            "users", "set-password", "admin", "--password-stdin", input=new_password
        ).returncode
        == 0
    )
    assert server.cli("users", "disable", "admin").returncode == 0
    assert server.cli("users", "enable", "admin").returncode == 0
    assert server.cli("users", "revoke", "john").returncode == 0

    tail = server.cli("audit", "tail", "--limit", "500")
    assert tail.returncode == 0, tail.stderr
    rows = [json.loads(line) for line in tail.stdout.splitlines()]
    assert EVENTS <= {row["event"] for row in rows}
    failures = [r for r in rows if r["event"] == "login" and r["outcome"] == "failure"]
    assert {r["detail"]["reason"] for r in failures} == {"bad_password"}
    assert all(r["address"] == "127.0.0.1" for r in failures)
    johns = server.cli("audit", "tail", "--user", "john", "--limit", "500").stdout.splitlines()
    assert johns
    assert {json.loads(line)["username"] for line in johns} == {"john"}

    logged = [
        json.loads(line)
        for line in (server.workdir / "audit.jsonl").read_text().splitlines()
        if line.strip()
    ]
    assert EVENTS <= {row["event"] for row in logged}
    everything = (server.workdir / "audit.jsonl").read_text() + tail.stdout
    for secret in (*PASSWORDS.values(), new_password, pair["refreshToken"], token, SECRET):
        assert str(secret) not in everything

    assert server.cli("audit", "verify").returncode == 0
    database = sqlite3.connect(server.workdir / "ticketbooth.db")
    with database:
        database.execute("UPDATE audit_events SET username = 'mallory' WHERE id = 7")
    database.close()
    broken = server.cli("audit", "verify")
    assert broken.returncode == 1
    assert broken.stderr.startswith("error: audit row 7: its contents do not match its hash")
