"""Redis stopped under two instances, then started again.

The test runs a Redis of its own (``redis-server`` on a free port, nothing saved) so it
can stop it.  While Redis is down, logins keep working with failed-login limits counted
per instance, each instance logs a warning, and access-token revocation reaches the other
instance through the database poll.  When Redis returns, both instances subscribe again
and the limits are shared again, without a restart.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.servers import PASSWORDS, Server, ServerFactory, require, wait_for
from ticketbooth.auth.ratelimit import REDIS_RETRY_SECONDS
from ticketbooth.auth.revocation import CHANNEL

pytestmark = pytest.mark.postgres  # Redis: its own, started here

POLL_SECONDS = 1.0
USER_FAILURES = 3
BOUND_SECONDS = 60.0
"""Bound on every wait.  The documented figures: revocation by poll within one
``POLL_SECONDS`` plus its query, the subscriber retries every 0.5 s, the limiter tries
Redis again after ``REDIS_RETRY_SECONDS`` (5 s).  Sixty seconds is ten times the
largest; it only catches a service that does not recover."""


class RedisServer:
    """A redis-server process of the test's own, stoppable and restartable on one port."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        first = not self.port
        for _ in range(5):  # a free port can be taken between probing and binding
            if first:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", 0))
                    self.port = int(sock.getsockname()[1])
            log = (self.workdir / "redis.log").open("ab")
            self.process = subprocess.Popen(
                [
                    *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                    *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            log.close()
            if self._wait_until_up():
                return
            self.stop()
        raise RuntimeError(
            "redis-server did not start: " + (self.workdir / "redis.log").read_text()
        )

    def _wait_until_up(self) -> bool:
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 20
        try:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    return False
                try:
                    return bool(client.ping())
                except redis.RedisError:
                    time.sleep(0.05)
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def subscribers(self, channel: str) -> int:
        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            return int(client.pubsub_numsub(channel)[0][1])
        finally:
            client.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    missing = shutil.which("redis-server") is None
    require("redis-server", "not installed (apt-get install redis-server)" if missing else None)
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pair(server_factory: ServerFactory, own_redis: RedisServer) -> tuple[Server, Server, str]:
    settings = {
        "TICKETBOOTH_ISSUER": f"tb-redis-{secrets.token_hex(4)}",
        "TICKETBOOTH_REDIS_URL": own_redis.url,
        "TICKETBOOTH_REVOKE_ACCESS": "true",
        "TICKETBOOTH_REVOCATION_POLL_SECONDS": str(POLL_SECONDS),
        "TICKETBOOTH_LOGIN_USER_FAILURES": str(USER_FAILURES),
    }
    a = server_factory(engine="postgresql", settings=settings)
    b = server_factory(database_url=a.database_url, settings=settings, users={})
    return a, b, f"{CHANNEL}:{settings['TICKETBOOTH_ISSUER']}"


def _wait(condition: Callable[[], bool], what: str) -> None:
    wait_for(condition, within=BOUND_SECONDS, what=what, interval=0.1)


def _login(server: Server, name: str, password: str) -> httpx.Response:
    with server.client() as client:
        return client.post("/api/auth/login", json={"username": name, "password": password})


def _fail(server: Server, name: str) -> int:
    return _login(server, name, "not-the-password-at-all").status_code


def _my_info(server: Server, token: str) -> httpx.Response:
    with server.client() as client:
        return client.get("/api/products/my-info", headers={"Authorization": f"Bearer {token}"})


def _logout(server: Server, token: str) -> int:
    with server.client() as client:
        return client.post(
            "/api/auth/logout", headers={"Authorization": f"Bearer {token}"}
        ).status_code


def _log(server: Server) -> str:
    return server.log()


def _wait_for_shared_limits(server: Server, label: str) -> None:
    """Failed logins for throwaway names until the limiter logs that Redis is back."""
    probes = iter(range(10_000))

    def back() -> bool:
        if "rate-limit store reachable again" in _log(server):
            return True
        assert _fail(server, f"probe-{label}-{next(probes)}") == 401
        return False

    _wait(back, f"instance {label} sharing its limits again")


def _assert_limits_shared(a: Server, b: Server, name: str) -> None:
    for _ in range(USER_FAILURES):
        assert _fail(a, name) == 401
    refused = _login(b, name, "whatever-password")
    assert refused.status_code == 429, refused.text
    assert refused.json() == {"message": "Too many failed attempts; try again later"}


def test_redis_down_weakens_limits_to_per_instance_and_revocation_to_the_poll(
    pair: tuple[Server, Server, str], own_redis: RedisServer
) -> None:
    a, b, channel = pair
    _wait(lambda: own_redis.subscribers(channel) == 2, "both instances subscribed")
    _assert_limits_shared(a, b, "ghost-before")

    own_redis.stop()
    # Logins keep working on both instances.
    john_a = _login(a, "john", PASSWORDS["john"])
    john_b = _login(b, "john", PASSWORDS["john"])
    assert (john_a.status_code, john_b.status_code) == (200, 200), john_a.text + john_b.text
    # Limits are per instance: A locks admin out, B still lets admin in.
    for _ in range(USER_FAILURES):
        assert _fail(a, "admin") == 401
    assert _login(a, "admin", PASSWORDS["admin"]).status_code == 429
    assert _login(b, "admin", PASSWORDS["admin"]).status_code == 200
    _wait(
        lambda: all("Redis unreachable (" in _log(s) for s in (a, b)),
        "the revocation warning on both instances",
    )
    assert "rate-limit store unreachable (" in _log(a)
    # Revocation reaches B through the database poll.
    token_b = str(john_b.json()["accessToken"])
    assert _my_info(b, token_b).status_code == 200
    assert _logout(a, str(john_a.json()["accessToken"])) == 204
    _wait(lambda: _my_info(b, token_b).status_code == 401, "B refusing a revoked token")
    refused = _my_info(b, token_b)
    assert refused.json() == {"message": "The token expired"}

    own_redis.start()
    _wait(lambda: own_redis.subscribers(channel) == 2, "both instances subscribed again")
    _wait(
        lambda: "Redis reachable again" in _log(a) and "Redis reachable again" in _log(b),
        "the recovery logged",
    )
    for server, label in ((a, "a"), (b, "b")):
        _wait_for_shared_limits(server, label)
    _assert_limits_shared(a, b, "ghost-after")
    # A logout is published on Redis again.
    listener = redis.Redis(port=own_redis.port, socket_timeout=5).pubsub()  # type: ignore[no-untyped-call]
    listener.subscribe(channel)
    try:
        assert listener.get_message(timeout=5) is not None  # the subscribe confirmation
        fresh = _login(a, "john", PASSWORDS["john"])
        assert _logout(a, str(fresh.json()["accessToken"])) == 204
        message = listener.get_message(timeout=BOUND_SECONDS)
        assert message is not None and message["type"] == "message"
    finally:
        listener.close()
    print(
        f"\nMEASURED Redis stopped: logins 200 on both instances; per-instance limits"
        f" (A 429 after {USER_FAILURES} failures, B 200); revocation via the"
        f" {POLL_SECONDS:g} s poll; shared limits and pub/sub back without restart"
        f" (limiter retry interval {REDIS_RETRY_SECONDS:g} s)"
    )
