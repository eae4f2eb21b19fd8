"""A server whose relying party is ``auth.example.com`` (plus one extra origin), once per
engine, and the helpers of the passkey suites.

The software authenticator (``authenticator.py``) plays the browser, so the origin
and RP id are whatever the test says: nothing has to listen at ``auth.example.com``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.servers import Server, ServerPool

from .authenticator import SoftAuthenticator

ORIGIN = "https://auth.example.com"
APP_ORIGIN = "https://app.auth.example.com"
PASSWORD = "a long enough password for passkeys"
SITE = {
    "TICKETBOOTH_PUBLIC_URL": ORIGIN,
    "TICKETBOOTH_PASSKEY_ORIGINS": APP_ORIGIN,
    # every test here asks for sign-in options from 127.0.0.1 (the fuzz tests hundreds
    # of times); test_options_limit.py tests the limit itself
    "TICKETBOOTH_PASSKEY_OPTIONS_REQUESTS": "100000",
}


@pytest.fixture(scope="module")
def site(module_servers: ServerPool, engine_name: str) -> Server:
    """The service for ``auth.example.com``, on the module's engine."""
    return module_servers.start(engine=engine_name, settings=SITE)


@pytest.fixture
def client(site: Server) -> Iterator[httpx.Client]:
    with site.client() as http:
        yield http


@pytest.fixture
def phone() -> SoftAuthenticator:
    """A passkey provider at the site's origin."""
    return SoftAuthenticator(ORIGIN)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh_user(server: Server) -> str:
    """A new user (role User) whose password is :data:`PASSWORD`."""
    name = f"pk{secrets.token_hex(4)}"
    server.add_user(name, "User", PASSWORD)
    return name


def access_token(client: httpx.Client, name: str) -> str:
    response = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


def register_options(client: httpx.Client, access: str) -> dict[str, Any]:
    response = client.post("/api/auth/passkeys/register/options", headers=bearer(access))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def register(
    client: httpx.Client,
    access: str,
    credential: dict[str, Any],
    name: str = "Phone",
) -> httpx.Response:
    return client.post(
        "/api/auth/passkeys/register",
        json={"name": name, "credential": credential},
        headers=bearer(access),
    )


def add_passkey(
    client: httpx.Client, access: str, phone: SoftAuthenticator, name: str = "Phone"
) -> dict[str, Any]:
    """Register a new passkey of ``phone``; returns the 201 body."""
    response = register(client, access, phone.create(register_options(client, access)), name)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def login_options(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/api/auth/passkeys/login/options")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def passkey_login(client: httpx.Client, credential: dict[str, Any], **extra: Any) -> httpx.Response:
    return client.post("/api/auth/passkeys/login", json={"credential": credential, **extra})


def audit(server: Server, name: str | None = None) -> list[dict[str, Any]]:
    """The audit events (of user ``name``), oldest first (``ticketbooth audit tail``)."""
    only = ("--user", name) if name else ()
    tail = server.cli("audit", "tail", *only, "--limit", "500")
    assert tail.returncode == 0, tail.stderr
    return [json.loads(line) for line in tail.stdout.splitlines()]


def refusals(server: Server, name: str | None = None) -> list[str]:
    """The reasons of refused passkey sign-ins (of user ``name``), oldest first."""
    return [
        row["detail"]["reason"]
        for row in audit(server, name)
        if row["event"] == "login"
        and row["outcome"] == "failure"
        and row["detail"].get("method") == "passkey"
    ]
