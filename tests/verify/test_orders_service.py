"""Two real services: ticketbooth issues (ES256), examples/orders_service.py verifies via JWKS."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.servers import (
    START_SECONDS,
    STOP_SECONDS,
    Server,
    ServerFactory,
    announced_port,
    clean_environ,
    wait_for,
)
from ticketbooth.tokens import decode_unverified

ROOT = Path(__file__).resolve().parents[2]


class Orders:
    def __init__(self, base_url: str, process: subprocess.Popen[bytes]) -> None:
        self.base_url = base_url
        self.process = process

    def create(self, token: str) -> httpx.Response:
        return httpx.post(
            self.base_url + "/api/orders",
            json={"productId": 1, "quantity": 2},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )

    def fetches(self) -> int:
        return int(httpx.get(self.base_url + "/health", timeout=10).json()["jwksFetches"])


@pytest.fixture
def start_orders(tmp_path: Path) -> Iterator[Callable[..., Orders]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(issuer_url: str, *, refetch_interval: float = 1.0, max_age: float = 60.0) -> Orders:
        log_path = tmp_path / f"orders-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "examples" / "orders_service.py"),
                    "--issuer-url",
                    issuer_url,
                    "--port",
                    "0",
                    "--refetch-interval",
                    str(refetch_interval),
                    "--max-age",
                    str(max_age),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean_environ({"PYTHONPATH": str(ROOT / "src")}),
            )
        started.append(process)
        port = wait_for(
            lambda: announced_port(log_path), within=START_SECONDS, what="a port", process=process
        )
        orders = Orders(f"http://127.0.0.1:{port}", process)
        wait_for(
            lambda: httpx.get(orders.base_url + "/health", timeout=5).status_code == 200,
            within=START_SECONDS,
            what="the orders service to answer /health",
            process=process,
        )
        return orders

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=STOP_SECONDS)


def _wait(condition: Callable[[], object]) -> None:
    # The issuer reloads keys every 0.3 s (ES256 below) and the orders service refetches
    # at most every 0.5 s; 30 s is that many times over, for a loaded machine.
    wait_for(condition, within=30, what="the services to agree on the keys")


def _kid(token: str) -> str:
    return str(decode_unverified(token)[0]["kid"])


def _my_info(server: Server, token: str) -> int:
    with server.client() as client:
        return client.get(
            "/api/products/my-info", headers={"Authorization": f"Bearer {token}"}
        ).status_code


ES256 = {"TICKETBOOTH_ALGORITHM": "ES256", "TICKETBOOTH_KEY_RELOAD_SECONDS": "0.3"}


def test_rotation_and_retirement_across_two_services(
    server_factory: ServerFactory, start_orders: Callable[..., Orders]
) -> None:
    issuer = server_factory(settings=ES256)
    orders = start_orders(issuer.base_url, refetch_interval=0.5, max_age=1.0)

    old_token = issuer.token("john")
    created = orders.create(old_token)
    assert created.status_code == 201, created.text
    assert created.json()["userId"] == "2"
    assert created.json()["userName"] == "john"
    old_kid = _kid(old_token)

    rotated = issuer.cli("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    _wait(lambda: _kid(issuer.token("john")) != old_kid)
    new_token = issuer.token("john")
    new_kid = _kid(new_token)
    assert new_kid != old_kid

    # the second service learns the new key without a restart; old tokens keep working
    assert orders.create(new_token).status_code == 201
    assert orders.create(old_token).status_code == 201
    assert _my_info(issuer, old_token) == 200
    assert _my_info(issuer, new_token) == 200

    retired = issuer.cli("keys", "retire", old_kid)
    assert retired.returncode == 0, retired.stderr
    _wait(lambda: _my_info(issuer, old_token) == 401)
    _wait(lambda: orders.create(old_token).status_code == 401)
    refused = orders.create(old_token)
    assert refused.json() == {"message": "The signature is invalid"}
    assert orders.create(new_token).status_code == 201


def test_issuer_down_keeps_cached_keys_and_random_kids_do_not_flood(
    server_factory: ServerFactory, start_orders: Callable[..., Orders]
) -> None:
    issuer = server_factory(settings=ES256)
    orders = start_orders(issuer.base_url, refetch_interval=30.0, max_age=3600.0)
    token = issuer.token("john")
    assert orders.create(token).status_code == 201
    fetches_before = orders.fetches()

    header, payload, signature = token.split(".")
    import base64
    import json
    import secrets

    def with_kid(kid: str) -> str:
        raw = json.loads(base64.urlsafe_b64decode(header + "=="))
        raw["kid"] = kid
        encoded = base64.urlsafe_b64encode(json.dumps(raw).encode()).rstrip(b"=").decode()
        return f"{encoded}.{payload}.{signature}"

    with httpx.Client(base_url=orders.base_url, timeout=10) as client:
        for _ in range(1000):
            response = client.post(
                "/api/orders",
                json={"productId": 1},
                headers={"Authorization": f"Bearer {with_kid(secrets.token_urlsafe(8))}"},
            )
            assert response.status_code == 401
    assert orders.fetches() - fetches_before <= 2

    issuer.stop()
    assert orders.create(token).status_code == 201
