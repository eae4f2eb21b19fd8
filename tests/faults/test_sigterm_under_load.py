"""SIGTERM while logins, refreshes and protected requests are in flight.

The requests the server has accepted when SIGTERM arrives all finish with their normal
answer; afterwards new connections are refused (the load balancer's cue), never answered
with a 5xx, and the process exits once it has drained.

"In flight" is made exact without timing: the clients pause, then one more request on
a new connection (``/health``) is answered.  The server accepts connections in order on
one event loop, so by then it has accepted every earlier one, whose request bytes were
already sent.  Logins (argon2id, hashed one at a time) keep several of them busy.
"""

from __future__ import annotations

import http.client
import json
import signal
import threading
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest

from tests.servers import PASSWORDS, Server, ServerFactory

WORKERS = {"login": 4, "refresh": 2, "my-info": 2, "products": 1}
BOUND_SECONDS = 120.0
"""Bound on each wait: the slowest request here is a login queued behind the others'
argon2id hashes (about 0.1 s each on this machine kind, docs/performance.md), so the server drains
in a few seconds; the bound only catches a hang."""
WARM_UP = 20
"""Answers to collect before the pause, so every kind of request is running."""


@dataclass
class Load:
    server: Server
    token: str
    go: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    warm: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)
    sending: int = 0  # reserved a request, not yet written to the socket
    outstanding: int = 0  # written, not yet answered
    answered: int = 0
    terminated: bool = False
    before: Counter[str] = field(default_factory=Counter)  # answered before SIGTERM
    during: Counter[str] = field(default_factory=Counter)  # in flight at SIGTERM

    def run(self, kind: str, refresh_token: str) -> None:
        while True:
            self.go.wait()
            with self.changed:
                if self.stop.is_set():
                    return
                if not self.go.is_set():
                    continue
                self.sending += 1
            outcome, refresh_token = self._one(kind, refresh_token)
            with self.changed:
                self.outstanding -= 1
                self.answered += 1
                (self.during if self.terminated else self.before)[f"{kind} {outcome}"] += 1
                if self.answered >= WARM_UP:
                    self.warm.set()
                self.changed.notify_all()

    def _one(self, kind: str, refresh_token: str) -> tuple[str, str]:
        """Connect, send (then count it as sent), and read the answer."""
        method, path, body = self._request(kind, refresh_token)
        host, port = self.server.base_url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=BOUND_SECONDS)
        try:
            try:
                connection.connect()
                connection.request(method, path, body=body, headers=self._headers(kind))
            finally:
                with self.changed:
                    self.sending -= 1
                    self.outstanding += 1
                    self.changed.notify_all()
            response = connection.getresponse()
            data = response.read()
        except ConnectionRefusedError:
            return "refused", refresh_token
        except (OSError, http.client.HTTPException) as exc:
            return f"cut off ({type(exc).__name__})", refresh_token
        finally:
            connection.close()
        if response.status == 200 and kind == "refresh":
            refresh_token = json.loads(data)["refreshToken"]
        return str(response.status), refresh_token

    def _request(self, kind: str, refresh_token: str) -> tuple[str, str, bytes | None]:
        if kind == "login":
            body = {"username": "john", "password": PASSWORDS["john"]}
            return "POST", "/api/auth/login", json.dumps(body).encode()
        if kind == "refresh":
            body = {"refreshToken": refresh_token}
            return "POST", "/api/auth/refresh-token", json.dumps(body).encode()
        if kind == "my-info":
            return "GET", "/api/products/my-info", None
        return "GET", "/api/products", None

    def _headers(self, kind: str) -> dict[str, str]:
        if kind in ("login", "refresh"):
            return {"Content-Type": "application/json"}
        return {"Authorization": f"Bearer {self.token}"}


def test_sigterm_lets_requests_in_flight_finish(server_factory: ServerFactory) -> None:
    server = server_factory()
    load = Load(server, server.token("john"))
    refresh_tokens = [str(server.login("john")["refreshToken"]) for _ in range(WORKERS["refresh"])]
    threads = []
    for kind, count in WORKERS.items():
        for i in range(count):
            token = refresh_tokens[i] if kind == "refresh" else ""
            threads.append(threading.Thread(target=load.run, args=(kind, token)))
    for thread in threads:
        thread.start()
    load.go.set()
    try:
        assert load.warm.wait(BOUND_SECONDS), "the load never got going"
        with load.changed:
            load.go.clear()  # clients pause; what they already sent stays in flight
            assert load.changed.wait_for(lambda: load.sending == 0, BOUND_SECONDS)
        with httpx.Client(base_url=server.base_url, timeout=BOUND_SECONDS) as client:
            assert client.get("/health").status_code == 200  # every earlier one accepted
        with load.changed:
            in_flight = load.outstanding
            load.terminated = True
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once it has drained, so the exit says "SIGTERM".
        assert server.process.wait(BOUND_SECONDS) in (0, -signal.SIGTERM)
    finally:
        with load.changed:
            load.stop.set()
            load.go.set()
        for thread in threads:
            thread.join(BOUND_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    assert in_flight >= 1, "nothing was in flight: the test proved nothing"

    # Everything answered before SIGTERM, and everything in flight at it, answered 200.
    assert {key.split(" ", 1)[1] for key in load.before} == {"200"}, load.before
    assert {key.split(" ", 1)[1] for key in load.during} == {"200"}, load.during
    assert sum(load.during.values()) == in_flight
    with pytest.raises(httpx.ConnectError):  # and then it is gone, not half there
        httpx.get(server.base_url + "/health", timeout=5)
    assert "Traceback" not in server.log()
    print(
        f"\nMEASURED SIGTERM: {in_flight} requests in flight at the signal, all answered 200"
        f" ({dict(load.during)}); {sum(load.before.values())} answered before; exit after draining"
    )
