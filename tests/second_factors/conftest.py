"""Helpers for the session and second-factor suites (the root ``server`` fixture runs
them once per engine, SQLite and PostgreSQL).

Each test makes users of its own (``fresh_user``), so turning TOTP on or ending sessions
never touches what another test relies on.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from tests.servers import Server

PASSWORD = "a long enough password for tests"


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as http:
        yield http


def fresh_user(server: Server) -> str:
    """A new user (role User) of ``server``; its password is :data:`PASSWORD`."""
    name = f"u{secrets.token_hex(4)}"
    server.add_user(name, "User", PASSWORD)
    return name


def login(client: httpx.Client, name: str, **extra: Any) -> httpx.Response:
    return client.post("/api/auth/login", json={"username": name, "password": PASSWORD, **extra})


def tokens(client: httpx.Client, name: str, user_agent: str | None = None) -> dict[str, Any]:
    headers = {"User-Agent": user_agent} if user_agent else {}
    response = client.post(
        "/api/auth/login", json={"username": name, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Authenticator:
    """The user's phone: codes of fresh time steps, never one step twice."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret)
        self.last_step = -1

    def code(self) -> str:
        """The code of the earliest step the server still accepts and has not seen."""
        step = max(int(time.time()) // 30 - 1, self.last_step + 1)
        assert step <= int(time.time()) // 30 + 1, "three codes in one step: wait"
        self.last_step = step
        return self.totp.generate_otp(step)


def enable_totp(client: httpx.Client, access: str) -> tuple[Authenticator, list[str]]:
    setup = client.post("/api/auth/mfa/totp/setup", headers=bearer(access))
    assert setup.status_code == 200, setup.text
    phone = Authenticator(setup.json()["secret"])
    confirm = client.post(
        "/api/auth/mfa/totp/confirm", json={"code": phone.code()}, headers=bearer(access)
    )
    assert confirm.status_code == 200, confirm.text
    codes: list[str] = confirm.json()["recoveryCodes"]
    return phone, codes


def mfa_token(client: httpx.Client, name: str) -> str:
    response = login(client, name)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mfaRequired"] is True
    return str(body["mfaToken"])
