"""POST /api/auth/login: the token pair, refusals that look alike, input limits, lockout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.servers import PASSWORDS, ROLES, Server, ServerFactory, ServerPool
from ticketbooth.tokens import Key

from .helpers import (
    ACCESS_SECONDS,
    AUDIENCE,
    INVALID_CREDENTIALS,
    ISSUER,
    NOT_JSON,
    RATE_LIMITED,
    SECRET_BYTES,
    TOO_LARGE,
    assert_token_pair,
    bearer,
    login,
)

OTHER_PASSWORD = "a-perfectly-good-password-42"
# API.md's access-token claims, plus sid and amr (API.md "Sessions", issue 11).
ACCESS_CLAIMS = {
    *("iss", "aud", "sub", "name", "email", "role", "iat", "nbf", "exp", "jti"),
    *("sid", "amr"),
}


def test_login_returns_a_token_pair(client: httpx.Client) -> None:
    body = assert_token_pair(login(client, "john", PASSWORDS["john"]))

    expires = datetime.fromisoformat(body["expires"])
    expected = datetime.now(UTC) + timedelta(days=7)
    assert expected - timedelta(minutes=1) < expires < expected + timedelta(minutes=1)
    me = client.get("/api/products/my-info", headers=bearer(body["accessToken"]))
    assert me.status_code == 200


def test_access_token_header_and_claims(client: httpx.Client) -> None:
    token = assert_token_pair(login(client, "john", PASSWORDS["john"]))["accessToken"]

    assert jwt.get_unverified_header(token) == {
        "alg": "HS256",
        "typ": "JWT",
        "kid": Key.from_secret(SECRET_BYTES).kid,
    }
    claims = jwt.decode(token, SECRET_BYTES, algorithms=["HS256"], audience=AUDIENCE)
    assert set(claims) == ACCESS_CLAIMS
    me = client.get("/api/products/my-info", headers=bearer(token)).json()
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == me["userId"]
    assert claims["sub"].isdigit()
    assert claims["name"] == "john"
    assert claims["email"] == "john@example.com"
    assert claims["role"] == ROLES["john"]
    assert all(type(claims[name]) is int for name in ("iat", "nbf", "exp"))
    assert claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == ACCESS_SECONDS
    assert isinstance(claims["jti"], str)
    assert claims["jti"]
    assert isinstance(claims["sid"], str)
    assert claims["amr"] == ["pwd"]


def test_every_login_gets_a_new_jti(client: httpx.Client) -> None:
    tokens = [assert_token_pair(login(client, "admin", PASSWORDS["admin"])) for _ in range(2)]

    jtis = {
        jwt.decode(t["accessToken"], options={"verify_signature": False})["jti"] for t in tokens
    }
    assert len(jtis) == 2
    assert tokens[0]["refreshToken"] != tokens[1]["refreshToken"]


def test_user_without_email_has_no_email_claim(server: Server, client: httpx.Client) -> None:
    server.add_user("noemail", "User", OTHER_PASSWORD)

    token = assert_token_pair(login(client, "noemail", OTHER_PASSWORD))["accessToken"]

    claims = jwt.decode(token, options={"verify_signature": False})
    assert "email" not in claims
    assert set(claims) == ACCESS_CLAIMS - {"email"}


def test_failed_logins_look_identical(server: Server, client: httpx.Client) -> None:
    server.add_user("disabled", "User", OTHER_PASSWORD)
    assert_token_pair(login(client, "disabled", OTHER_PASSWORD))
    assert server.cli("users", "disable", "disabled").returncode == 0

    answers = [
        login(client, "nobody-by-this-name", OTHER_PASSWORD),
        login(client, "john", PASSWORDS["john"] + "x"),
        login(client, "disabled", OTHER_PASSWORD),
    ]

    for response in answers:
        assert response.status_code == 401
        assert response.json() == INVALID_CREDENTIALS
        assert "WWW-Authenticate" not in response.headers
    assert len({response.content for response in answers}) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"username": "john", "password": 12345678}, id="password-number"),
        pytest.param({"username": 42, "password": "x"}, id="username-number"),
        pytest.param({"username": "john", "password": None}, id="password-null"),
        pytest.param({"username": ["john"], "password": "x"}, id="username-list"),
        pytest.param({"username": "john"}, id="no-password"),
        pytest.param({"password": "x"}, id="no-username"),
        pytest.param({}, id="empty-object"),
        pytest.param({"username": "", "password": "x"}, id="empty-username"),
        pytest.param({"username": "john", "password": ""}, id="empty-password"),
        pytest.param({"username": "u" * 151, "password": "x"}, id="username-151"),
        pytest.param({"username": "john", "password": "p" * 1025}, id="password-1025"),
    ],
)
def test_invalid_body_is_422(client: httpx.Client, body: dict[str, Any]) -> None:
    response = client.post("/api/auth/login", json=body)

    assert response.status_code == 422, response.text
    message = response.json()["message"]
    assert isinstance(message, str)
    assert "ppppp" not in message  # the input is never echoed: it may be a password


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param("nul\u0000user", "x", id="issue-10-nul-username"),
        pytest.param("john", PASSWORDS["john"] + "\u0000", id="nul-password"),
        pytest.param("john\ud800", "x", id="lone-surrogate-username"),
        pytest.param("john", "\udfff", id="lone-surrogate-password"),
    ],
)
def test_text_no_database_stores_is_invalid_credentials(
    client: httpx.Client, username: str, password: str
) -> None:
    # issue 10: PostgreSQL refuses NUL in text, and this answered 500 there
    body = json.dumps({"username": username, "password": password}).encode()

    response = client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


def test_length_limits_are_inclusive(client: httpx.Client) -> None:
    response = login(client, "u" * 150, "p" * 1024)

    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.parametrize(
    "content",
    [
        b'{"username": "john", "password": ',
        b"{'username': 'john', 'password': 'x'}",
        b'{"username": "john", "password": "x",}',
        b"{",
    ],
)
def test_malformed_json_is_422(client: httpx.Client, content: bytes) -> None:
    response = client.post(
        "/api/auth/login", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json() == NOT_JSON


def _body_of_size(size: int) -> bytes:
    head = b'{"username": "john", "password": "'
    tail = b'"}'
    body = head + b"p" * (size - len(head) - len(tail)) + tail
    assert len(body) == size
    return body


def test_body_of_64_kib_is_read(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/login",
        content=_body_of_size(64 * 1024),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 422  # parsed, then the password is too long


def test_body_over_64_kib_with_content_length_is_413(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/login",
        content=_body_of_size(64 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_chunked_body_over_64_kib_is_413(client: httpx.Client) -> None:
    body = _body_of_size(80 * 1024)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    request = client.build_request(
        "POST", "/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in request.headers

    response = client.send(request)

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


@pytest.fixture(scope="module")
def lockout_server(module_servers: ServerPool, engine_name: str) -> Server:
    """A server of its own: the locks these tests set must not leak into others."""
    return module_servers.start(engine=engine_name)


def _fail_ten_times(client: httpx.Client, username: str) -> None:
    for _ in range(10):
        response = login(client, username, "not-the-password")
        assert response.status_code == 401
        assert response.json() == INVALID_CREDENTIALS


def _assert_locked(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json() == RATE_LIMITED
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 15 * 60 + 1


def test_ten_failures_lock_the_username(lockout_server: Server) -> None:
    with lockout_server.client() as client:
        _fail_ten_times(client, "john")

        _assert_locked(login(client, "john", PASSWORDS["john"]))
        _assert_locked(login(client, "john", "still-not-the-password"))
        assert_token_pair(login(client, "admin", PASSWORDS["admin"]))


def test_unknown_usernames_are_locked_the_same_way(lockout_server: Server) -> None:
    with lockout_server.client() as client:
        _fail_ten_times(client, "ghost")

        _assert_locked(login(client, "ghost", "anything"))
        assert_token_pair(login(client, "admin", PASSWORDS["admin"]))


def test_failures_from_one_address_lock_the_address(
    server_factory: ServerFactory, engine_name: str
) -> None:
    srv = server_factory(
        engine=engine_name, settings={"TICKETBOOTH_LOGIN_ADDRESS_FAILURES": "3"}, users={}
    )
    with srv.client() as client:
        for name in ("first", "second", "third"):
            assert login(client, name, "x").json() == INVALID_CREDENTIALS

        _assert_locked(login(client, "fourth", "x"))


def test_token_response_is_json(client: httpx.Client) -> None:
    response = login(client, "john", PASSWORDS["john"])

    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.content) == response.json()
