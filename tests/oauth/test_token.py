"""POST /oauth/token with Authlib's OAuth 2.0 client, every client-authentication method,
against a real ``serve`` on SQLite and PostgreSQL; RFC 9068 tokens."""

from __future__ import annotations

import time
from typing import Any

import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from joserfc.jwk import RSAKey

from tests.http.helpers import bearer, unverified
from tests.oauth.conftest import PUBLIC_URL, OAuthSetup
from tests.oauth.helpers import (
    ASSERTION_TYPE,
    USERS_ONLY,
    assert_oauth_error,
    key_client,
    post_form,
    secret_client,
)

CLAIMS = {"iss", "aud", "sub", "client_id", "scope", "iat", "nbf", "exp", "jti"}


def assert_client_token(token: dict[str, Any], client_id: str, scope: str) -> None:
    """A token response of API.md's shape carrying an RFC 9068 access token."""
    assert set(token) >= {"access_token", "token_type", "expires_in", "scope"}
    assert token["token_type"] == "Bearer"
    assert token["scope"] == scope
    assert type(token["expires_in"]) is int
    assert 3590 <= token["expires_in"] <= 3600
    header, claims = unverified(token["access_token"])
    assert header["typ"] == "at+jwt"
    assert set(claims) == CLAIMS
    assert claims["sub"] == claims["client_id"] == client_id
    assert claims["iss"] == "ticketbooth"
    assert claims["aud"] == "ticketbooth-api"
    assert claims["scope"] == scope
    assert claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_secret_client_gets_a_token(oauth: OAuthSetup, method: str) -> None:
    with secret_client(oauth.secret, method) as client:
        token = client.fetch_token(oauth.token_endpoint, grant_type="client_credentials")
    assert_client_token(token, oauth.secret["client_id"], "orders:read orders:write")


def test_private_key_jwt_with_a_registered_pem_key(oauth: OAuthSetup) -> None:
    with key_client(oauth.pem_id, oauth.pem_private, oauth.token_endpoint, "RS256") as client:
        token = client.fetch_token(oauth.token_endpoint, grant_type="client_credentials")
    assert_client_token(token, oauth.pem_id, "orders:read")


def test_private_key_jwt_with_a_registered_jwks_url(oauth: OAuthSetup) -> None:
    with key_client(oauth.jwks_id, oauth.jwks_key, oauth.token_endpoint, "ES256") as client:
        token = client.fetch_token(
            oauth.token_endpoint, grant_type="client_credentials", scope="orders:read"
        )
    assert_client_token(token, oauth.jwks_id, "orders:read")


def test_a_scope_subset_is_granted_as_asked(oauth: OAuthSetup) -> None:
    with secret_client(oauth.secret, "client_secret_basic") as client:
        token = client.fetch_token(
            oauth.token_endpoint, grant_type="client_credentials", scope="orders:write"
        )
    assert_client_token(token, oauth.secret["client_id"], "orders:write")


def test_the_token_response_is_never_cached(oauth: OAuthSetup) -> None:
    response = post_form(
        oauth.server,
        "/oauth/token",
        {"grant_type": "client_credentials"},
        auth=(oauth.secret["client_id"], oauth.secret["client_secret"]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "application/json"


def client_token(oauth: OAuthSetup) -> str:
    with secret_client(oauth.secret, "client_secret_post") as client:
        token = client.fetch_token(oauth.token_endpoint, grant_type="client_credentials")
    return str(token["access_token"])


def test_a_client_token_never_passes_user_or_role_routes(oauth: OAuthSetup) -> None:
    token = client_token(oauth)
    with oauth.server.client() as http:
        for response in (
            http.get("/api/products", headers=bearer(token)),
            http.get("/api/products/my-info", headers=bearer(token)),
            http.post("/api/products", json={"name": "x", "price": 1}, headers=bearer(token)),
            http.post("/api/auth/logout", headers=bearer(token)),
            http.get("/api/auth/me", headers=bearer(token)),
            http.get("/api/auth/sessions", headers=bearer(token)),
            http.post("/api/auth/sessions/revoke-others", headers=bearer(token)),
            http.post("/api/auth/mfa/totp/setup", headers=bearer(token)),
        ):
            assert response.status_code == 403, response.text
            assert response.json() == USERS_ONLY


def test_discovery_metadata(oauth: OAuthSetup) -> None:
    with oauth.server.client() as http:
        document = http.get("/.well-known/oauth-authorization-server").json()
    base = oauth.server.base_url
    assert document["issuer"] == "ticketbooth"
    assert document["token_endpoint"] == base + "/oauth/token"
    assert document["introspection_endpoint"] == base + "/oauth/introspect"
    assert document["revocation_endpoint"] == base + "/oauth/revoke"
    assert document["jwks_uri"] == base + "/.well-known/jwks.json"
    assert document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]
    assert document["grant_types_supported"] == ["client_credentials"]
    assert set(document["scopes_supported"]) >= {"orders:read", "orders:write"}


# -- private_key_jwt: replays and lifetimes -------------------------------------------


def assertion(oauth: OAuthSetup, **claims: Any) -> str:
    """A client assertion of the PEM client, signed by Authlib."""
    now = int(time.time())
    signed = private_key_jwt_sign(
        RSAKey.import_key(oauth.pem_private),
        client_id=oauth.pem_id,
        token_endpoint=oauth.token_endpoint,
        alg="RS256",
        claims={"iat": now, "exp": now + 60, **claims},
    )
    return signed.decode() if isinstance(signed, bytes) else str(signed)


def with_assertion(signed: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
        **extra,
    }


def test_a_replayed_client_assertion_is_refused(oauth: OAuthSetup) -> None:
    signed = assertion(oauth)
    first = post_form(oauth.server, "/oauth/token", with_assertion(signed))
    assert first.status_code == 200, first.text
    replay = post_form(oauth.server, "/oauth/token", with_assertion(signed))
    assert_oauth_error(replay, 401, "invalid_client", "The client assertion was already used")


def test_authlibs_hour_long_default_assertion_is_refused(oauth: OAuthSetup) -> None:
    auth = PrivateKeyJWT(oauth.token_endpoint)  # exp = iat + 3600
    with OAuth2Client(oauth.pem_id, oauth.pem_private, token_endpoint_auth_method=auth) as c:
        with pytest.raises(OAuthError) as refused:
            c.fetch_token(oauth.token_endpoint, grant_type="client_credentials")
    assert refused.value.error == "invalid_client"
    assert refused.value.description == (
        "The client assertion lives too long: exp may be at most 300 seconds ahead"
    )


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        (
            {"aud": "https://elsewhere.example/token"},
            "The client assertion's aud must be the token endpoint URL or the issuer",
        ),
        ({"exp": 1}, "The client assertion is invalid: The token expired"),
        ({"iss": "someone-else"}, "The client assertion is invalid: The issuer is invalid"),
    ],
    ids=["wrong-aud", "expired", "wrong-iss"],
)
def test_a_bad_client_assertion_is_refused(
    oauth: OAuthSetup, claims: dict[str, Any], description: str
) -> None:
    response = post_form(oauth.server, "/oauth/token", with_assertion(assertion(oauth, **claims)))
    assert_oauth_error(response, 401, "invalid_client", description)


def test_an_assertion_naming_the_issuer_as_audience_is_accepted(oauth: OAuthSetup) -> None:
    signed = assertion(oauth, aud="ticketbooth")
    response = post_form(oauth.server, "/oauth/token", with_assertion(signed))
    assert response.status_code == 200, response.text


def test_an_assertion_naming_the_public_token_endpoint_is_accepted(oauth: OAuthSetup) -> None:
    # Behind a proxy the client knows TICKETBOOTH_PUBLIC_URL, not the address serve sees.
    signed = assertion(oauth, aud=PUBLIC_URL + "/oauth/token")
    response = post_form(oauth.server, "/oauth/token", with_assertion(signed))
    assert response.status_code == 200, response.text
    elsewhere = assertion(oauth, aud=PUBLIC_URL + "/api/auth/login")
    refused = post_form(oauth.server, "/oauth/token", with_assertion(elsewhere))
    assert_oauth_error(
        refused,
        401,
        "invalid_client",
        "The client assertion's aud must be the token endpoint URL or the issuer",
    )


def test_an_assertion_signed_by_another_key_is_refused(oauth: OAuthSetup) -> None:
    from tests.oauth.helpers import rsa_pem

    other, _ = rsa_pem()
    now = int(time.time())
    signed = private_key_jwt_sign(
        RSAKey.import_key(other),
        client_id=oauth.pem_id,
        token_endpoint=oauth.token_endpoint,
        alg="RS256",
        claims={"iat": now, "exp": now + 60},
    )
    text = signed.decode() if isinstance(signed, bytes) else str(signed)
    response = post_form(oauth.server, "/oauth/token", with_assertion(text))
    assert_oauth_error(
        response, 401, "invalid_client", "The client assertion is invalid: The signature is invalid"
    )
