"""examples/client.mjs against a live server: login, expiry, refresh, retry, logout."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.servers import PASSWORDS, Server, ServerFactory, clean_environ, require_node

pytestmark = pytest.mark.node

ACCESS_SECONDS = 6  # TICKETBOOTH_ACCESS_MINUTES=0.1
CLIENT = Path(__file__).resolve().parents[2] / "examples" / "client.mjs"


@pytest.fixture(scope="module")
def node() -> str:
    """The ``node`` executable; a skip when it is missing locally, a failure under CI.

    Module-scoped and listed first, so no server is started just to be skipped.
    """
    return require_node()


def run_client(node: str, server: Server, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in clean_environ().items() if not k.startswith(("TB_", "NODE_"))}
    env.pop("BASE_URL", None)
    env.update(BASE_URL=server.base_url, **settings)
    return subprocess.run([node, str(CLIENT)], env=env, capture_output=True, text=True, timeout=90)


def events(output: str) -> list[dict[str, Any]]:
    """Every stdout line is one JSON object."""
    records = [json.loads(line) for line in output.splitlines()]
    assert all(isinstance(r, dict) and "event" in r for r in records), output
    return records


def assert_no_tokens(output: str) -> None:
    assert "eyJ" not in output  # the base64url of '{"' that starts every JWT part
    assert "accessToken" not in output
    assert "refreshToken" not in output


def add_product(server: Server, name: str, price: float) -> dict[str, Any]:
    admin = server.token("admin")
    with server.client() as client:
        response = client.post(
            "/api/products",
            json={"name": name, "price": price},
            headers={"Authorization": f"Bearer {admin}"},
        )
    assert response.status_code == 201, response.text
    product: dict[str, Any] = response.json()
    return product


def test_client_refreshes_an_expired_token_and_retries(
    node: str, server_factory: ServerFactory
) -> None:
    # 6-second access tokens: room for the first read on a loaded machine; the client
    # then waits the documented lifetime plus one second (exp is whole seconds, no leeway)
    server = server_factory(settings={"TICKETBOOTH_ACCESS_MINUTES": "0.1"})
    product = add_product(server, "Ticket stub", 4.5)

    result = run_client(
        node,
        server,
        TB_USERNAME="john",
        TB_PASSWORD=PASSWORDS["john"],
        PRODUCT_ID=str(product["id"]),
        WAIT_SECONDS=str(ACCESS_SECONDS + 1),
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert_no_tokens(result.stdout)
    steps = [e for e in events(result.stdout) if e["event"] != "wait"]
    assert [e["event"] for e in steps] == ["login", "get", "get", "refresh", "retry", "logout"]
    login, first, second, refresh, retry, logout = steps
    assert login == {"event": "login", "status": 200, "expiresIn": ACCESS_SECONDS}
    assert first == {"event": "get", "status": 200, "product": product}
    assert second["status"] == 401
    assert second["reason"] == "The token expired"
    assert refresh["status"] == 200
    assert retry == {"event": "retry", "status": 200, "product": product}
    assert logout["status"] == 204


def test_client_fails_in_one_line_on_wrong_password(node: str, server: Server) -> None:
    result = run_client(node, server, TB_USERNAME="john", TB_PASSWORD="not-the-password")

    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert "401" in result.stderr
    assert events(result.stdout) == [{"event": "login", "status": 401}]


def test_client_logs_out_even_when_the_product_is_missing(node: str, server: Server) -> None:
    result = run_client(
        node, server, TB_USERNAME="john", TB_PASSWORD=PASSWORDS["john"], PRODUCT_ID="999999"
    )

    assert result.returncode != 0
    assert result.stderr.count("\n") == 1, result.stderr
    assert "404" in result.stderr
    assert_no_tokens(result.stdout)
    steps = events(result.stdout)
    assert [(e["event"], e["status"]) for e in steps] == [
        ("login", 200),
        ("get", 404),
        ("logout", 204),
    ]
