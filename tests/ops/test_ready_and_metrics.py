"""Operations endpoints against real processes: /ready follows the database, /metrics counts."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import make_url

from tests.databases import postgres_database
from tests.ops.tcp_proxy import TcpProxy
from tests.servers import Server, ServerFactory, wait_for

pytestmark = pytest.mark.postgres


KEY_RELOAD_SECONDS = 0.5


@pytest.fixture
def proxied_server(server_factory: ServerFactory) -> Iterator[tuple[Server, TcpProxy]]:
    with postgres_database() as url:
        parsed = make_url(url)
        proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        server = server_factory(
            settings={
                "TICKETBOOTH_DATABASE_URL": proxied,
                "TICKETBOOTH_KEY_RELOAD_SECONDS": str(KEY_RELOAD_SECONDS),
            }
        )
        yield server, proxy
        server.stop()
        proxy.close()


# The readiness probe asks the database on each call, and the connection attempt of a
# cut one fails within the driver's connect timeout; 60 s is that many times over.
OUTAGE_SECONDS = 60.0
UNAVAILABLE = {"message": "The database is unavailable; try again shortly"}


def test_ready_follows_the_database_while_tokens_keep_verifying(
    proxied_server: tuple[Server, TcpProxy],
) -> None:
    server, proxy = proxied_server
    token = server.token("john")
    auth = {"Authorization": f"Bearer {token}"}
    with server.client() as client:
        assert client.get("/ready").status_code == 200
        assert client.get("/health").json() == {"status": "ok", "database": "ok"}
        proxy.cut()
        wait_for(
            lambda: client.get("/ready").status_code == 503,
            within=OUTAGE_SECONDS,
            what="/ready to report the cut",
        )
        down = client.get("/ready")
        assert down.json() == {"status": "unavailable", "database": "unavailable"}
        assert client.get("/api/products/my-info", headers=auth).status_code == 200
        health = client.get("/health")
        assert health.status_code == 200  # tokens still verify: the service is alive
        assert health.json() == {"status": "ok", "database": "unavailable"}
        # a route that needs the database says so with 503 and Retry-After, never 500
        products = client.get("/api/products", headers=auth)
        assert products.status_code == 503
        assert products.headers["Retry-After"] == "5"
        assert products.json() == UNAVAILABLE
        # the key reload (every 0.5 s) fails meanwhile: a warning, and the keys stay
        wait_for(
            lambda: "could not reload signing keys" in server.log(),
            within=OUTAGE_SECONDS,
            what="a failed key reload to be logged",
        )
        assert "Traceback" not in server.log()
        assert client.get("/api/products/my-info", headers=auth).status_code == 200
        proxy.restore()
        wait_for(
            lambda: client.get("/ready").status_code == 200,
            within=OUTAGE_SECONDS,
            what="/ready to recover",
        )
        assert client.get("/api/products", headers=auth).status_code == 200
        assert client.get("/health").json() == {"status": "ok", "database": "ok"}


def _sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or (
            line.startswith(name + "{") and line.split(" ")[0] == name
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_logins_refreshes_and_failures(server: Server) -> None:
    with server.client() as client:
        before = client.get("/metrics").text
        pair = server.login("john")
        client.post("/api/auth/login", json={"username": "john", "password": "wrong-password"})
        client.post("/api/auth/refresh-token", json={"refreshToken": pair["refreshToken"]})
        client.get("/api/products/my-info", headers={"Authorization": "Bearer not.a.token"})
        after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    for name, delta in (
        ('ticketbooth_logins_total{outcome="success"}', 1),
        ('ticketbooth_logins_total{outcome="failure"}', 1),
        ('ticketbooth_refreshes_total{outcome="success"}', 1),
        ('ticketbooth_token_validation_failures_total{reason="malformed_token"}', 1),
    ):
        assert _sample(text, name) - _sample(before, name) == delta, name
    assert "ticketbooth_request_duration_seconds_bucket" in text
    assert 'route="/api/products/my-info"' in text


def test_metrics_is_plain_http(server: Server) -> None:
    assert httpx.get(server.base_url + "/metrics", timeout=10).status_code == 200
