"""GET/DELETE /api/auth/sessions and revoke-others, over a real server on both engines."""

from __future__ import annotations

import httpx
import jwt

from tests.servers import Server

from .conftest import bearer, fresh_user, tokens

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
NOT_FOUND = {"message": "Session not found"}
AUTH_REQUIRED = {"message": "Authentication required"}
INVALID_REFRESH = {"message": "Invalid or expired refresh token"}


def _refresh(client: httpx.Client, token: str) -> httpx.Response:
    return client.post("/api/auth/refresh-token", json={"refreshToken": token})


def _sid(access: str) -> str:
    return str(jwt.decode(access, options={"verify_signature": False})["sid"])


def test_sessions_are_listed_newest_first_with_the_current_one_marked(
    server: Server, client: httpx.Client
) -> None:
    name = fresh_user(server)
    laptop = tokens(client, name, FIREFOX)
    phone = tokens(client, name, IPHONE)

    response = client.get("/api/auth/sessions", headers=bearer(laptop["accessToken"]))

    assert response.status_code == 200, response.text
    listed = response.json()
    assert [s["id"] for s in listed] == [_sid(phone["accessToken"]), _sid(laptop["accessToken"])]
    assert [s["current"] for s in listed] == [False, True]
    assert [s["device"] for s in listed] == ["Safari on iPhone", "Firefox on Linux"]
    assert listed[1]["userAgent"] == FIREFOX
    assert listed[1]["ipAddress"] == "127.0.0.1"
    assert set(listed[0]) == {
        "id",
        "createdAt",
        "lastUsedAt",
        "ipAddress",
        "userAgent",
        "device",
        "current",
    }
    assert listed[0]["createdAt"].endswith("Z")


def test_ending_a_session_revokes_its_refresh_tokens_only(
    server: Server, client: httpx.Client
) -> None:
    name = fresh_user(server)
    laptop = tokens(client, name)
    phone = tokens(client, name)

    response = client.delete(
        f"/api/auth/sessions/{_sid(phone['accessToken'])}", headers=bearer(laptop["accessToken"])
    )

    assert response.status_code == 204
    refused = _refresh(client, phone["refreshToken"])
    assert refused.status_code == 401
    assert refused.json() == INVALID_REFRESH
    assert _refresh(client, laptop["refreshToken"]).status_code == 200
    listed = client.get("/api/auth/sessions", headers=bearer(laptop["accessToken"])).json()
    assert [s["id"] for s in listed] == [_sid(laptop["accessToken"])]


def test_another_users_session_is_not_found(server: Server, client: httpx.Client) -> None:
    mine = tokens(client, fresh_user(server))
    theirs = tokens(client, fresh_user(server))

    response = client.delete(
        f"/api/auth/sessions/{_sid(theirs['accessToken'])}", headers=bearer(mine["accessToken"])
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert _refresh(client, theirs["refreshToken"]).status_code == 200


def test_unknown_or_ended_sessions_are_not_found(server: Server, client: httpx.Client) -> None:
    me = tokens(client, fresh_user(server))
    headers = bearer(me["accessToken"])
    sid = _sid(me["accessToken"])

    for unknown in ("no-such-session", "x" * 300, "a%00b", "%ED%A0%80"):  # NUL, a lone surrogate
        response = client.delete(f"/api/auth/sessions/{unknown}", headers=headers)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
    assert client.delete(f"/api/auth/sessions/{sid}", headers=headers).status_code == 204
    again = client.delete(f"/api/auth/sessions/{sid}", headers=headers)
    assert again.status_code == 404
    assert again.json() == NOT_FOUND


def test_revoke_others_keeps_only_the_current_session(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    here = tokens(client, name)
    elsewhere = [tokens(client, name) for _ in range(2)]
    bystander = tokens(client, fresh_user(server))

    response = client.post("/api/auth/sessions/revoke-others", headers=bearer(here["accessToken"]))

    assert response.status_code == 204
    for pair in elsewhere:
        assert _refresh(client, pair["refreshToken"]).json() == INVALID_REFRESH
    assert _refresh(client, here["refreshToken"]).status_code == 200
    assert _refresh(client, bystander["refreshToken"]).status_code == 200
    listed = client.get("/api/auth/sessions", headers=bearer(here["accessToken"])).json()
    assert [(s["id"], s["current"]) for s in listed] == [(_sid(here["accessToken"]), True)]


def test_logout_still_ends_every_session(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    pairs = [tokens(client, name) for _ in range(2)]

    assert (
        client.post("/api/auth/logout", headers=bearer(pairs[0]["accessToken"])).status_code == 204
    )

    for pair in pairs:
        assert _refresh(client, pair["refreshToken"]).json() == INVALID_REFRESH
    assert client.get("/api/auth/sessions", headers=bearer(pairs[1]["accessToken"])).json() == []


def test_the_session_routes_need_a_token(client: httpx.Client) -> None:
    for method, path in (
        ("GET", "/api/auth/sessions"),
        ("DELETE", "/api/auth/sessions/some-id"),
        ("POST", "/api/auth/sessions/revoke-others"),
    ):
        response = client.request(method, path)
        assert response.status_code == 401, path
        assert response.json() == AUTH_REQUIRED
        assert response.headers["WWW-Authenticate"] == "Bearer"
