"""RFC 7662 introspection (field by field) and RFC 7009 revocation, client-authenticated,
for access and refresh tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from tests.http.helpers import unverified
from tests.oauth.conftest import OAuthSetup
from tests.oauth.helpers import assert_oauth_error, post_form, secret_client
from tests.servers import PASSWORDS


def introspect(oauth: OAuthSetup, token: str, **extra: str) -> dict[str, Any]:
    response = post_form(
        oauth.server,
        "/oauth/introspect",
        {"token": token, **extra},
        auth=(oauth.secret["client_id"], oauth.secret["client_secret"]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def revoke(oauth: OAuthSetup, token: str, **extra: str) -> None:
    response = post_form(
        oauth.server,
        "/oauth/revoke",
        {"token": token, **extra},
        auth=(oauth.secret["client_id"], oauth.secret["client_secret"]),
    )
    assert response.status_code == 200, response.text
    assert response.content == b""


def client_token(oauth: OAuthSetup, scope: str = "orders:read") -> str:
    with secret_client(oauth.secret, "client_secret_basic") as client:
        token = client.fetch_token(
            oauth.token_endpoint, grant_type="client_credentials", scope=scope
        )
    return str(token["access_token"])


def test_a_client_access_token_field_by_field(oauth: OAuthSetup) -> None:
    token = client_token(oauth)
    _, claims = unverified(token)
    answer = introspect(oauth, token)
    assert answer == {
        "active": True,
        "token_type": "Bearer",
        "scope": "orders:read",
        "client_id": oauth.secret["client_id"],
        "sub": oauth.secret["client_id"],
        "aud": "ticketbooth-api",
        "iss": "ticketbooth",
        "exp": claims["exp"],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "jti": claims["jti"],
    }


def test_a_user_access_token_field_by_field(oauth: OAuthSetup) -> None:
    token = str(oauth.server.login("john", PASSWORDS["john"])["accessToken"])
    _, claims = unverified(token)
    answer = introspect(oauth, token, token_type_hint="access_token")
    assert answer == {
        "active": True,
        "token_type": "Bearer",
        "username": "john",
        "sub": claims["sub"],
        "aud": "ticketbooth-api",
        "iss": "ticketbooth",
        "exp": claims["exp"],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "jti": claims["jti"],
    }
    assert "client_id" not in answer


def test_a_refresh_token_field_by_field(oauth: OAuthSetup) -> None:
    before = int(time.time())
    body = oauth.server.login("john", PASSWORDS["john"])
    answer = introspect(oauth, str(body["refreshToken"]), token_type_hint="refresh_token")
    _, claims = unverified(str(body["accessToken"]))
    assert set(answer) == {"active", "token_type", "sub", "username", "iss", "iat", "exp"}
    assert answer["active"] is True
    assert answer["token_type"] == "refresh_token"
    assert answer["sub"] == claims["sub"]
    assert answer["username"] == "john"
    assert answer["iss"] == "ticketbooth"
    assert before - 1 <= answer["iat"] <= int(time.time()) + 1
    assert answer["exp"] - answer["iat"] == 7 * 86400


def test_the_hint_only_orders_the_search(oauth: OAuthSetup) -> None:
    body = oauth.server.login("john", PASSWORDS["john"])
    wrong_hint = introspect(oauth, str(body["refreshToken"]), token_type_hint="access_token")
    assert wrong_hint["active"] is True
    assert wrong_hint["token_type"] == "refresh_token"


def test_unknown_and_garbage_tokens_are_inactive(oauth: OAuthSetup) -> None:
    for token in ("not-a-token", "a.b.c", "x" * 5000):
        assert introspect(oauth, token) == {"active": False}


def test_introspection_needs_client_authentication(oauth: OAuthSetup) -> None:
    response = post_form(oauth.server, "/oauth/introspect", {"token": client_token(oauth)})
    assert_oauth_error(response, 401, "invalid_client", "Client authentication is required")
    wrong = post_form(
        oauth.server,
        "/oauth/introspect",
        {"token": "x"},
        auth=(oauth.secret["client_id"], "wrong"),
    )
    assert_oauth_error(wrong, 401, "invalid_client", "Client authentication failed")
    assert wrong.headers["WWW-Authenticate"] == 'Basic realm="ticketbooth"'


def test_introspection_and_revocation_need_a_token(oauth: OAuthSetup) -> None:
    auth = (oauth.secret["client_id"], oauth.secret["client_secret"])
    for path in ("/oauth/introspect", "/oauth/revoke"):
        response = post_form(oauth.server, path, {"token_type_hint": "access_token"}, auth=auth)
        assert_oauth_error(response, 400, "invalid_request", "token is required")


def test_a_revoked_refresh_token_stops_working_and_its_session_ends(oauth: OAuthSetup) -> None:
    body = oauth.server.login("john", PASSWORDS["john"])
    other = oauth.server.login("john", PASSWORDS["john"])
    refresh = str(body["refreshToken"])
    revoke(oauth, refresh, token_type_hint="refresh_token")
    assert introspect(oauth, refresh) == {"active": False}
    with oauth.server.client() as http:
        response = http.post("/api/auth/refresh-token", json={"refreshToken": refresh})
        assert response.status_code == 401
        assert response.json() == {"message": "Invalid or expired refresh token"}
        headers = {"Authorization": f"Bearer {other['accessToken']}"}
        listed = http.get("/api/auth/sessions", headers=headers)
    assert listed.status_code == 200, listed.text
    live = {item["id"] for item in listed.json()}
    assert unverified(str(other["accessToken"]))[1]["sid"] in live  # the other login goes on
    assert unverified(str(body["accessToken"]))[1]["sid"] not in live


def test_revoking_an_unknown_token_answers_200(oauth: OAuthSetup) -> None:
    revoke(oauth, "never-issued")
    revoke(oauth, "a.b.c", token_type_hint="access_token")


def test_without_access_revocation_an_access_token_stays_active(oauth: OAuthSetup) -> None:
    token = client_token(oauth)
    revoke(oauth, token)
    assert introspect(oauth, token)["active"] is True  # as API.md says: until it expires
