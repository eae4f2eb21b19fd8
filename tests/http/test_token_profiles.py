"""Issue 11: a token of one purpose never passes as another on the HTTP routes.

Forged with the server's own secret, so each token is genuine in every respect but its
purpose: an RFC 9068 client token (``typ: at+jwt``) on user routes, internal tokens
(a second-factor step, a mail link) as access tokens, and tokens of another ``typ``.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.servers import PASSWORDS, Server

from .helpers import (
    assert_invalid_token,
    assert_token_pair,
    bearer,
    claims_for,
    forge,
    login,
    refresh,
    unverified,
)

USERS_ONLY = {"message": "This route is for users; a client's token cannot call it"}
USER_ROUTES = [
    ("GET", "/api/products"),
    ("GET", "/api/products/1"),
    ("POST", "/api/products"),
    ("DELETE", "/api/products/1"),
    ("GET", "/api/products/my-info"),
    ("POST", "/api/auth/logout"),
]


@pytest.fixture(scope="module")
def john(server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a token the server issued to john."""
    return unverified(server.token("john"))


def client_token(header: dict[str, Any], claims: dict[str, Any], **changes: Any) -> str:
    """A client-credentials token (RFC 9068) whose all-digit ``sub`` is john's user id."""
    client_claims = claims_for(
        claims, client_id=claims["sub"], scope="orders:read", name=..., role=..., email=...
    )
    client_claims.update(changes)
    return forge({**header, "typ": "at+jwt"}, client_claims)


@pytest.mark.parametrize(("method", "path"), USER_ROUTES)
def test_client_token_on_a_user_route_is_forbidden(
    client: httpx.Client,
    john: tuple[dict[str, Any], dict[str, Any]],
    method: str,
    path: str,
) -> None:
    response = client.request(
        method, path, headers=bearer(client_token(*john)), json={"name": "x", "price": 1}
    )

    assert response.status_code == 403
    assert response.json() == USERS_ONLY


def test_client_token_with_a_users_id_does_not_log_that_user_out(
    client: httpx.Client, john: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    # The client token's sub is john's id, all digits: it must not revoke john's sessions.
    pair = assert_token_pair(login(client, "john", PASSWORDS["john"]))

    response = client.post("/api/auth/logout", headers=bearer(client_token(*john)))

    assert response.status_code == 403
    assert response.json() == USERS_ONLY
    assert_token_pair(refresh(client, pair["refreshToken"]))


def test_client_token_with_a_role_claim_is_still_forbidden(
    client: httpx.Client, john: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    token = client_token(*john, name="admin", role="Admin")

    response = client.post("/api/products", headers=bearer(token), json={"name": "x", "price": 1})

    assert response.status_code == 403
    assert response.json() == USERS_ONLY


@pytest.mark.parametrize("typ", ["mfa+jwt", "link+jwt", "application/mfa+jwt", "JOSE", "", 1, None])
def test_token_of_another_typ_is_malformed(
    client: httpx.Client, john: tuple[dict[str, Any], dict[str, Any]], typ: object
) -> None:
    header, claims = john
    token = forge({**header, "typ": typ}, claims_for(claims))

    response = client.get("/api/products/my-info", headers=bearer(token))

    assert_invalid_token(response, "The token is malformed")


def test_second_factor_token_cannot_log_out(
    client: httpx.Client, john: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    header, claims = john
    pair = assert_token_pair(login(client, "john", PASSWORDS["john"]))
    token = forge({**header, "typ": "mfa+jwt"}, claims_for(claims, amr=["pwd"]))

    assert_invalid_token(
        client.post("/api/auth/logout", headers=bearer(token)), "The token is malformed"
    )
    assert_token_pair(refresh(client, pair["refreshToken"]))


def test_user_typed_token_carrying_client_id_is_malformed(
    client: httpx.Client, john: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    header, claims = john
    token = forge(header, claims_for(claims, client_id="svc"))

    response = client.get("/api/products/my-info", headers=bearer(token))

    assert_invalid_token(response, "The token is malformed")


def test_client_token_missing_client_id_is_refused(
    client: httpx.Client, john: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    header, claims = john
    token = forge({**header, "typ": "at+jwt"}, claims_for(claims))

    response = client.get("/api/products/my-info", headers=bearer(token))

    assert_invalid_token(response, "A required claim is missing")
