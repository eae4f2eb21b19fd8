"""Every ``/api/admin`` route refuses whoever is not an Admin, and OpenAPI documents them.

401 without a token (``WWW-Authenticate: Bearer``), 401 ``invalid_token`` for a bad one,
403 for a user of another role, and in cookie mode 403 for a change without its CSRF
header — on each route, on both engines.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.servers import Server
from ticketbooth.errors import CsrfError

from .helpers import (
    ADMIN_REQUIRED,
    assert_invalid_token,
    assert_no_token,
    bearer,
    claims_for,
    forge,
)

ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/admin/users", None),
    ("POST", "/api/admin/users", {"username": "x1", "password": "long enough pw", "role": "User"}),
    ("GET", "/api/admin/users/1", None),
    ("POST", "/api/admin/users/1/role", {"role": "User"}),
    ("POST", "/api/admin/users/1/disable", None),
    ("POST", "/api/admin/users/1/enable", None),
    ("POST", "/api/admin/users/1/password", {"password": "long enough pw"}),
    ("POST", "/api/admin/users/1/sign-out", None),
    ("POST", "/api/admin/users/1/reset-mfa", None),
    ("DELETE", "/api/admin/users/1/passkeys", None),
    ("DELETE", "/api/admin/users/1?confirm=admin", None),
    ("GET", "/api/admin/users/1/sessions", None),
    ("DELETE", "/api/admin/users/1/sessions", None),
    ("DELETE", "/api/admin/users/1/sessions/abc", None),
    ("GET", "/api/admin/keys", None),
    ("POST", "/api/admin/keys/rotate", None),
    ("POST", "/api/admin/keys/generate", {}),
    ("POST", "/api/admin/keys/abc/retire", None),
    ("GET", "/api/admin/clients", None),
    ("POST", "/api/admin/clients", {"name": "refused-client"}),
    ("GET", "/api/admin/clients/abc", None),
    ("POST", "/api/admin/clients/abc/disable", None),
    ("POST", "/api/admin/clients/abc/enable", None),
    ("POST", "/api/admin/clients/abc/rotate-secret", None),
    ("DELETE", "/api/admin/clients/abc?confirm=abc", None),
    ("GET", "/api/admin/audit", None),
    ("GET", "/api/admin/audit/verify", None),
    ("GET", "/api/admin/audit/logins", None),
    ("GET", "/api/admin/status", None),
]
CHANGES = [r for r in ROUTES if r[0] != "GET"]
TEMPLATES = (
    ("/users/1", "/users/{user_id}"),
    ("/sessions/abc", "/sessions/{session_id}"),
    ("/keys/abc/", "/keys/{kid}/"),
    ("/clients/abc", "/clients/{client_id}"),
)
CSRF_REFUSED = {"message": CsrfError.description}


def _ids(routes: list[tuple[str, str, Any]]) -> list[str]:
    return [f"{m} {p}" for m, p, _ in routes]


def call(client: httpx.Client, route: tuple[str, str, Any], **kwargs: Any) -> httpx.Response:
    method, path, body = route
    return client.request(method, path, json=body, **kwargs)


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_no_token_is_401(client: httpx.Client, route: tuple[str, str, Any]) -> None:
    assert_no_token(call(client, route))


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_a_bad_token_is_401(client: httpx.Client, route: tuple[str, str, Any]) -> None:
    forged = forge(
        {"alg": "HS256", "typ": "JWT"},
        claims_for({"iss": "ticketbooth", "aud": "ticketbooth-api", "sub": "1", "role": "Admin"}),
        secret=b"not the server's secret, but long enough",
    )
    assert_invalid_token(call(client, route, headers=bearer(forged)), "The signature is invalid")


@pytest.fixture(scope="module")
def user_token(server: Server) -> str:
    return server.token("john")


@pytest.mark.parametrize("route", ROUTES, ids=_ids(ROUTES))
def test_another_role_is_403(
    client: httpx.Client, user_token: str, route: tuple[str, str, Any]
) -> None:
    response = call(client, route, headers=bearer(user_token))
    assert response.status_code == 403
    assert response.json() == ADMIN_REQUIRED


@pytest.fixture(scope="module")
def admin_cookies(server: Server) -> dict[str, str]:
    """The cookie jar of an admin signed in with ``useCookies``."""
    with server.client() as client:
        response = client.post(
            "/api/auth/login",
            json={"username": "admin", "password": server.passwords["admin"], "useCookies": True},
        )
        assert response.status_code == 200, response.text
        return dict(client.cookies)


def cookie_client(server: Server, cookies: dict[str, str]) -> httpx.Client:
    # The cookies are Secure: send them by hand over the test's plain HTTP.
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return server.client(headers={"Cookie": header})


@pytest.mark.parametrize("route", CHANGES, ids=_ids(CHANGES))
def test_a_cookie_mode_change_without_csrf_is_403(
    server: Server, admin_cookies: dict[str, str], route: tuple[str, str, Any]
) -> None:
    with cookie_client(server, admin_cookies) as client:
        response = call(client, route)
        wrong = call(client, route, headers={"X-CSRF-Token": "not-the-cookie"})
    assert (response.status_code, response.json()) == (403, CSRF_REFUSED)
    assert (wrong.status_code, wrong.json()) == (403, CSRF_REFUSED)


def test_cookie_mode_reads_freely_and_changes_with_csrf(
    server: Server, admin_cookies: dict[str, str]
) -> None:
    with cookie_client(server, admin_cookies) as client:
        listed = client.get("/api/admin/users")
        made = client.post(
            "/api/admin/users",
            json={"username": "cookie-made", "password": "long enough pw 1", "role": "User"},
            headers={"X-CSRF-Token": admin_cookies["csrf"]},
        )
    assert listed.status_code == 200
    assert made.status_code == 201, made.text


def test_openapi_documents_every_admin_route_with_the_bearer_scheme(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    for method, path, _ in ROUTES:
        template = path.split("?")[0]
        for concrete, parameter in TEMPLATES:
            template = template.replace(concrete, parameter)
        operation = paths[template][method.lower()]
        assert operation["security"] == [{"bearerAuth": []}], (method, template)
        assert operation["tags"] == ["admin"]
        assert {"401", "403"} <= set(operation["responses"]), (method, template)
        assert operation.get("description"), (method, template)
