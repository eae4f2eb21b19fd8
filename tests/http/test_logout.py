"""POST /api/auth/logout: bearer required, every device's refresh token revoked."""

from __future__ import annotations

import httpx

from tests.servers import PASSWORDS

from .helpers import (
    INVALID_REFRESH,
    assert_invalid_token,
    assert_no_token,
    assert_token_pair,
    bearer,
    login,
    refresh,
)


def test_logout_requires_a_bearer_token(client: httpx.Client) -> None:
    assert_no_token(client.post("/api/auth/logout"))


def test_logout_refuses_a_bad_token(client: httpx.Client) -> None:
    response = client.post("/api/auth/logout", headers=bearer("not-a-token"))

    assert_invalid_token(response, "The token is malformed")


def test_logout_revokes_every_device(client: httpx.Client) -> None:
    laptop = assert_token_pair(login(client, "john", PASSWORDS["john"]))
    phone = assert_token_pair(login(client, "john", PASSWORDS["john"]))
    rotated = assert_token_pair(refresh(client, phone["refreshToken"]))
    other_user = assert_token_pair(login(client, "admin", PASSWORDS["admin"]))

    response = client.post("/api/auth/logout", headers=bearer(laptop["accessToken"]))

    assert response.status_code == 204
    assert response.content == b""
    for token in (laptop["refreshToken"], rotated["refreshToken"]):
        refused = refresh(client, token)
        assert refused.status_code == 401
        assert refused.json() == INVALID_REFRESH
    assert_token_pair(refresh(client, other_user["refreshToken"]))


def test_access_token_stays_valid_after_logout(client: httpx.Client) -> None:
    access = assert_token_pair(login(client, "john", PASSWORDS["john"]))["accessToken"]
    assert client.post("/api/auth/logout", headers=bearer(access)).status_code == 204

    me = client.get("/api/products/my-info", headers=bearer(access))

    assert me.status_code == 200
    assert me.json()["userName"] == "john"
    assert client.post("/api/auth/logout", headers=bearer(access)).status_code == 204


def test_login_works_after_logout(client: httpx.Client) -> None:
    access = assert_token_pair(login(client, "john", PASSWORDS["john"]))["accessToken"]
    assert client.post("/api/auth/logout", headers=bearer(access)).status_code == 204

    fresh = assert_token_pair(login(client, "john", PASSWORDS["john"]))

    assert_token_pair(refresh(client, fresh["refreshToken"]))
