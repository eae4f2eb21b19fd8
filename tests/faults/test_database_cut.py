"""PostgreSQL cut away (a TCP proxy drops every connection) during logins and refreshes.

Every request answers 200 or 503 with ``Retry-After``; nothing is half written; when the
database returns the same process serves again by itself.  A refresh whose commit reached
the database but whose answer was lost with the connection (503) leaves its client a
rotated token: its next use is a clean 401, counted here and checked against the tables.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import make_url

from tests.databases import postgres_database
from tests.faults.invariants import (
    assert_audit_chain_verifies,
    assert_refresh_tokens_whole,
    rotations_without_audit_row,
    was_rotated,
)
from tests.ops.tcp_proxy import TcpProxy
from tests.servers import PASSWORDS, Server, ServerFactory, wait_for

pytestmark = pytest.mark.postgres

LOGIN_WORKERS = 2
REFRESH_WORKERS = 4
PHASE_BOUND_SECONDS = 120.0
"""Bound on each phase's condition.  Each needs a handful of requests (a login is about
0.1 s of argon2id, a refresh a few milliseconds); a pooled connection is pinged before
use, so the first request after the database returns reconnects (``/ready`` measured
within a second in tests/ops).  The bound only catches a service that never recovers."""
WANTED_PER_PHASE = 6
"""Answers of the awaited kind each phase must see before the next begins."""


@dataclass
class Tally:
    phase: str = "before"
    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    missing_retry_after: int = 0
    unexpected: list[str] = field(default_factory=list)
    suspect_tokens: list[str] = field(default_factory=list)  # refreshed, 503, then 401
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def count(self, kind: str, response: httpx.Response) -> None:
        with self.lock:
            self.answers[(self.phase, kind, response.status_code)] += 1
            if response.status_code == 503 and "retry-after" not in response.headers:
                self.missing_retry_after += 1

    def seen(self, phase: str, kind: str, status: int) -> int:
        with self.lock:
            return self.answers[(phase, kind, status)]


def _post(client: httpx.Client, path: str, body: dict[str, str]) -> httpx.Response | None:
    try:
        return client.post(path, json=body)
    except httpx.TimeoutException:
        return None


def _login_worker(server: Server, tally: Tally) -> None:
    body = {"username": "john", "password": PASSWORDS["john"]}
    with server.client() as client:
        while not tally.stop.is_set():
            response = _post(client, "/api/auth/login", body)
            if response is None:
                tally.unexpected.append("login timed out")
                return
            tally.count("login", response)
            if response.status_code not in (200, 503):
                tally.unexpected.append(f"login {response.status_code} {response.text}")
            if response.status_code == 503:
                time.sleep(0.05)  # a client honouring Retry-After would wait longer


def _refresh_worker(server: Server, tally: Tally, token: str) -> None:
    unsure = False  # the last refresh of this token answered 503: did it commit?
    with server.client() as client:
        while not tally.stop.is_set():
            response = _post(client, "/api/auth/refresh-token", {"refreshToken": token})
            if response is None:
                tally.unexpected.append("refresh timed out")
                return
            tally.count("refresh", response)
            if response.status_code == 200:
                token, unsure = response.json()["refreshToken"], False
            elif response.status_code == 503:
                unsure = True
                time.sleep(0.05)
            elif response.status_code == 401 and unsure:
                tally.suspect_tokens.append(token)
                relogin = _post(
                    client,
                    "/api/auth/login",
                    {"username": "john", "password": PASSWORDS["john"]},
                )
                if relogin is None or relogin.status_code != 200:
                    continue
                token, unsure = relogin.json()["refreshToken"], False
            else:
                tally.unexpected.append(f"refresh {response.status_code} {response.text}")
                return


@pytest.fixture
def proxied(server_factory: ServerFactory) -> Iterator[tuple[Server, TcpProxy, str]]:
    with postgres_database() as url:
        parsed = make_url(url)
        proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        through_proxy = parsed.set(host="127.0.0.1", port=proxy.port)
        server = server_factory(database_url=through_proxy.render_as_string(hide_password=False))
        yield server, proxy, url
        server.stop()
        proxy.close()


def _wait(condition: Callable[[], bool], what: str) -> None:
    wait_for(condition, within=PHASE_BOUND_SECONDS, what=what)


def test_database_cut_answers_503_then_recovers_by_itself(
    proxied: tuple[Server, TcpProxy, str],
) -> None:
    server, proxy, direct_url = proxied
    tally = Tally()
    tokens = [str(server.login("john")["refreshToken"]) for _ in range(REFRESH_WORKERS)]
    threads = [
        threading.Thread(target=_login_worker, args=(server, tally)) for _ in range(LOGIN_WORKERS)
    ]
    threads += [threading.Thread(target=_refresh_worker, args=(server, tally, t)) for t in tokens]
    for thread in threads:
        thread.start()
    try:
        _wait(lambda: tally.seen("before", "refresh", 200) >= WANTED_PER_PHASE, "refreshes")
        _wait(lambda: tally.seen("before", "login", 200) >= 2, "logins")
        with tally.lock:
            tally.phase = "cut"
        proxy.cut()
        _wait(lambda: tally.seen("cut", "refresh", 503) >= WANTED_PER_PHASE, "refresh 503s")
        _wait(lambda: tally.seen("cut", "login", 503) >= 2, "login 503s")
        with server.client() as client:
            ready = client.get("/ready")
        assert (ready.status_code, ready.headers["retry-after"]) == (503, "5")
        with tally.lock:
            tally.phase = "back"
        proxy.restore()
        _wait(lambda: tally.seen("back", "refresh", 200) >= WANTED_PER_PHASE, "recovery")
        _wait(lambda: tally.seen("back", "login", 200) >= 2, "logins after recovery")
    finally:
        tally.stop.set()
        for thread in threads:
            thread.join(PHASE_BOUND_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    assert server.is_running  # never restarted

    assert tally.unexpected == []
    assert tally.missing_retry_after == 0
    statuses = {status for (_, _, status) in tally.answers}
    assert statuses <= {200, 401, 503}, statuses
    assert all(status != 401 or kind == "refresh" for (_, kind, status) in tally.answers), (
        tally.answers
    )
    rows = assert_refresh_tokens_whole(direct_url)
    # A 401 comes only to a client whose refresh did commit although it was told 503.
    assert all(was_rotated(rows, token) for token in tally.suspect_tokens)
    env = {**server.env, "TICKETBOOTH_DATABASE_URL": direct_url}
    audited = assert_audit_chain_verifies(env, server.workdir)
    assert rotations_without_audit_row(direct_url) == 0  # rotation and audit row: one commit

    summary = ", ".join(f"{p} {k} {s}: {n}" for (p, k, s), n in sorted(tally.answers.items()))
    print(
        f"\nMEASURED database cut: {summary}; {len(tally.suspect_tokens)} refreshes committed"
        f" behind a 503 (their session ended with a 401); audit chain intact ({audited} rows),"
        " every committed rotation audited"
    )
