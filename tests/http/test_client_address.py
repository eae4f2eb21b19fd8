"""TICKETBOOTH_TRUSTED_PROXIES and X-Forwarded-For, seen through the per-address login limit.

With ``TICKETBOOTH_LOGIN_ADDRESS_FAILURES=3`` the fourth failure from one client address
is refused with 429, so which address a request counts against is visible from outside.
"""

from __future__ import annotations

import httpx
import pytest

from tests.servers import Server, ServerFactory, ServerPool

from .helpers import INVALID_CREDENTIALS, RATE_LIMITED

LIMITS = {"TICKETBOOTH_LOGIN_ADDRESS_FAILURES": "3"}


def _fail(client: httpx.Client, name: str, forwarded: str | None) -> httpx.Response:
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    return client.post("/api/auth/login", json={"username": name, "password": "x"}, headers=headers)


def _fail_three_times(server: Server, forwarded: str | None) -> None:
    with server.client() as client:
        for name in ("first", "second", "third"):
            response = _fail(client, name, forwarded)
            assert response.status_code == 401
            assert response.json() == INVALID_CREDENTIALS


def _is_locked(server: Server, forwarded: str | None) -> bool:
    with server.client() as client:
        response = _fail(client, "fourth", forwarded)
    if response.status_code == 429:
        assert response.json() == RATE_LIMITED
        return True
    assert (response.status_code, response.json()) == (401, INVALID_CREDENTIALS)
    return False


@pytest.fixture(scope="module")
def behind_proxy(module_servers: ServerPool, engine_name: str) -> Server:
    """The test client plays the proxy: 127.0.0.1 is trusted.

    Shared by the module: each test locks client addresses of its own.
    """
    return module_servers.start(
        engine=engine_name,
        settings={**LIMITS, "TICKETBOOTH_TRUSTED_PROXIES": '["127.0.0.1"]'},
        users={},
    )


@pytest.fixture
def exposed(server_factory: ServerFactory, engine_name: str) -> Server:
    """No trusted proxies (the default)."""
    return server_factory(engine=engine_name, settings=LIMITS, users={})


def test_a_trusted_proxy_forwards_the_client_address(behind_proxy: Server) -> None:
    _fail_three_times(behind_proxy, "203.0.113.7")

    assert _is_locked(behind_proxy, "203.0.113.7")
    assert not _is_locked(behind_proxy, "203.0.113.8")  # another client behind the proxy


def test_the_last_untrusted_hop_is_the_client(behind_proxy: Server) -> None:
    # a client may forge hops to the left; the proxy appends the real one on the right
    _fail_three_times(behind_proxy, "198.51.100.1, 203.0.113.17")

    assert _is_locked(behind_proxy, "10.9.9.9, 203.0.113.17")
    assert _is_locked(behind_proxy, "203.0.113.17, 127.0.0.1")  # trusted hops are skipped
    assert not _is_locked(behind_proxy, "203.0.113.17, 198.51.100.1")


def test_without_a_forwarded_header_the_proxy_itself_counts(behind_proxy: Server) -> None:
    _fail_three_times(behind_proxy, None)

    assert _is_locked(behind_proxy, None)
    assert not _is_locked(behind_proxy, "203.0.113.37")


def test_an_untrusted_peer_cannot_choose_its_address(exposed: Server) -> None:
    _fail_three_times(exposed, "203.0.113.7")

    # X-Forwarded-For is ignored: every attempt counted against 127.0.0.1
    assert _is_locked(exposed, "203.0.113.99")
    assert _is_locked(exposed, None)


def test_a_locked_address_does_not_stop_the_right_password_of_another(
    behind_proxy: Server,
) -> None:
    behind_proxy.add_users({"john": ("User", "tr0ub4dor&3-and-more")})
    _fail_three_times(behind_proxy, "203.0.113.27")

    with behind_proxy.client() as client:
        other = client.post(
            "/api/auth/login",
            json={"username": "john", "password": "tr0ub4dor&3-and-more"},
            headers={"X-Forwarded-For": "203.0.113.28"},
        )
        same = client.post(
            "/api/auth/login",
            json={"username": "john", "password": "tr0ub4dor&3-and-more"},
            headers={"X-Forwarded-For": "203.0.113.27"},
        )
    assert other.status_code == 200
    assert same.status_code == 429
    assert same.json() == RATE_LIMITED
