"""POST /api/auth/refresh-token: rotation, reuse detection, expiry, disabled users, races."""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest

from tests.servers import PASSWORDS, Server, ServerFactory

from .helpers import (
    INVALID_REFRESH,
    TOO_LARGE,
    assert_invalid_token,
    assert_token_pair,
    bearer,
    login,
    refresh,
)

OTHER_PASSWORD = "a-perfectly-good-password-42"


def _refresh_token(client: httpx.Client, username: str, password: str) -> str:
    token: str = assert_token_pair(login(client, username, password))["refreshToken"]
    return token


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == INVALID_REFRESH
    assert "WWW-Authenticate" not in response.headers


def test_refresh_returns_a_new_pair(client: httpx.Client) -> None:
    old = _refresh_token(client, "john", PASSWORDS["john"])

    body = assert_token_pair(refresh(client, old))

    assert body["refreshToken"] != old
    me = client.get("/api/products/my-info", headers=bearer(body["accessToken"]))
    assert me.json()["userName"] == "john"


def test_rotated_token_stops_working(client: httpx.Client) -> None:
    old = _refresh_token(client, "john", PASSWORDS["john"])
    assert_token_pair(refresh(client, old))

    _assert_refused(refresh(client, old))


def test_reuse_revokes_the_whole_family_newest_included(client: httpx.Client) -> None:
    first = _refresh_token(client, "john", PASSWORDS["john"])
    other_login = _refresh_token(client, "john", PASSWORDS["john"])
    second = assert_token_pair(refresh(client, first))["refreshToken"]
    newest = assert_token_pair(refresh(client, second))["refreshToken"]

    _assert_refused(refresh(client, first))  # a rotated token came back: theft

    _assert_refused(refresh(client, newest))
    assert_token_pair(refresh(client, other_login))


def test_reuse_of_a_middle_token_revokes_the_family(client: httpx.Client) -> None:
    first = _refresh_token(client, "admin", PASSWORDS["admin"])
    second = assert_token_pair(refresh(client, first))["refreshToken"]
    newest = assert_token_pair(refresh(client, second))["refreshToken"]

    _assert_refused(refresh(client, second))

    _assert_refused(refresh(client, newest))


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(secrets.token_urlsafe(32), id="random"),
        pytest.param("x", id="short"),
        pytest.param("a" * 512, id="512"),
        pytest.param("a" * 513, id="513"),
        pytest.param("a" * 60_000, id="60-KB"),
        pytest.param("", id="empty"),
    ],
)
def test_unknown_token_is_refused(client: httpx.Client, token: str) -> None:
    _assert_refused(refresh(client, token))


def test_access_token_is_not_a_refresh_token(client: httpx.Client) -> None:
    access = assert_token_pair(login(client, "john", PASSWORDS["john"]))["accessToken"]

    _assert_refused(refresh(client, access))


def test_issue_10_rs256_access_token_is_not_a_refresh_token(
    server_factory: ServerFactory, engine_name: str
) -> None:
    # issue 10: an RS256 access token (over 512 characters) answered 422 for its length
    srv = server_factory(
        engine=engine_name,
        settings={"TICKETBOOTH_ALGORITHM": "RS256"},
        users={"john": ("User", PASSWORDS["john"])},
    )
    with srv.client() as client:
        access = assert_token_pair(login(client, "john", PASSWORDS["john"]))["accessToken"]
        assert len(access) > 512

        _assert_refused(refresh(client, access))


def test_a_body_over_64_kib_is_413_not_401(client: httpx.Client) -> None:
    response = client.post("/api/auth/refresh-token", json={"refreshToken": "a" * 70_000})

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_expired_refresh_token_is_refused(server_factory: ServerFactory) -> None:
    # 0.00003 days is 2.6 s, 0.02 minutes 1.2 s; the server has no clock to move.
    srv = server_factory(
        settings={"TICKETBOOTH_REFRESH_DAYS": "0.00003", "TICKETBOOTH_ACCESS_MINUTES": "0.02"},
        users={"john": ("User", PASSWORDS["john"])},
    )
    with srv.client() as client:
        pair = login(client, "john", PASSWORDS["john"]).json()
        assert 1 <= pair["expiresIn"] <= 2
        expires = datetime.fromisoformat(pair["expires"])  # whole seconds, truncated

        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds() + 1.5))

        _assert_refused(refresh(client, pair["refreshToken"]))
        response = client.get("/api/products/my-info", headers=bearer(pair["accessToken"]))
        assert_invalid_token(response, "The token expired")


def test_disabled_users_refresh_token_is_refused(server: Server, client: httpx.Client) -> None:
    server.add_user("to-disable", "User", OTHER_PASSWORD)
    token = _refresh_token(client, "to-disable", OTHER_PASSWORD)

    assert server.cli("users", "disable", "to-disable").returncode == 0

    _assert_refused(refresh(client, token))


def test_deleted_users_refresh_token_is_refused(server: Server, client: httpx.Client) -> None:
    server.add_user("to-delete", "User", OTHER_PASSWORD)
    token = _refresh_token(client, "to-delete", OTHER_PASSWORD)

    assert server.cli("users", "delete", "to-delete").returncode == 0

    _assert_refused(refresh(client, token))


def test_concurrent_uses_of_one_token_have_one_winner(server: Server) -> None:
    uses = 20
    with server.client() as client:
        token = _refresh_token(client, "admin", PASSWORDS["admin"])
    start = threading.Barrier(uses)

    def use(_: int) -> httpx.Response:
        with server.client() as own_client:
            start.wait(timeout=30)
            return refresh(own_client, token)

    with ThreadPoolExecutor(max_workers=uses) as pool:
        responses = list(pool.map(use, range(uses)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [401] * (uses - 1)
    for response in responses:
        if response.status_code == 401:
            assert response.json() == INVALID_REFRESH
