"""JWKS, OpenID discovery and health."""

from __future__ import annotations

import httpx
import pytest

from tests.servers import Server

from .helpers import ISSUER


def test_jwks_is_empty_with_hmac_only(client: httpx.Client) -> None:
    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.json() == {"keys": []}


def test_openid_configuration(server: Server, client: httpx.Client) -> None:
    response = client.get("/.well-known/openid-configuration")

    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == ISSUER
    assert document["jwks_uri"] == f"{server.base_url}/.well-known/jwks.json"
    assert document["token_endpoint"] == f"{server.base_url}/api/auth/login"
    assert document["id_token_signing_alg_values_supported"] == ["HS256"]


def test_discovery_links_work(client: httpx.Client) -> None:
    document = client.get("/.well-known/openid-configuration").json()

    assert client.get(document["jwks_uri"]).json() == {"keys": []}
    refused = client.post(document["token_endpoint"], json={"username": "x", "password": "y"})
    assert refused.status_code == 401


def test_health(client: httpx.Client) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "path", ["/.well-known/jwks.json", "/.well-known/openid-configuration", "/health"]
)
def test_public_endpoints_need_no_token(client: httpx.Client, path: str) -> None:
    response = client.get(path, headers={"Authorization": "Bearer garbage"})

    assert response.status_code == 200
