"""Helpers for the HTTP contract tests: forged tokens and the answers API.md promises.

Tokens are forged here with ``hmac`` and ``base64`` alone, independently of the server's
own encoder, so a bug there cannot hide behind a test that shares it.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from tests.servers import SECRET

SECRET_BYTES = SECRET.encode()
ISSUER = "ticketbooth"
AUDIENCE = "ticketbooth-api"
ACCESS_SECONDS = 3600

INVALID_CREDENTIALS = {"message": "Invalid credentials"}
INVALID_REFRESH = {"message": "Invalid or expired refresh token"}
AUTH_REQUIRED = {"message": "Authentication required"}
ADMIN_REQUIRED = {"message": "This requires the role Admin"}
PRODUCT_NOT_FOUND = {"message": "Product not found"}
RATE_LIMITED = {"message": "Too many failed attempts; try again later"}
NOT_JSON = {"message": "The request body is not valid JSON"}
TOO_LARGE = {"message": "The request body is larger than 64 KiB"}

TOKEN_FIELDS = {"accessToken", "refreshToken", "tokenType", "expiresIn", "expires"}
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(value: Mapping[str, Any] | bytes) -> str:
    """One encoded JWS segment from a JSON object or from raw bytes."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return b64url(raw)


def forge(
    header: Mapping[str, Any] | bytes,
    claims: Mapping[str, Any] | bytes,
    *,
    secret: bytes = SECRET_BYTES,
    digest: str = "sha256",
) -> str:
    """A compact JWS signed with HMAC over whatever header and claims are given."""
    signing_input = segment(header) + "." + segment(claims)
    return signing_input + "." + b64url(hmac.digest(secret, signing_input.encode(), digest))


def claims_for(template: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """``template`` with fresh times and ``changes``; a change to ``...`` drops the claim."""
    now = int(time.time())
    claims = {**template, "iat": now, "nbf": now, "exp": now + ACCESS_SECONDS}
    for name, value in changes.items():
        if value is ...:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of ``token`` without checking anything."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return jwt.get_unverified_header(token), claims


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def assert_invalid_token(response: httpx.Response, description: str) -> None:
    """401 with RFC 6750 ``invalid_token`` and the same description in the body."""
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer error="invalid_token", error_description="{description}"'
    )
    assert response.json() == {"message": description}


def assert_no_token(response: httpx.Response) -> None:
    """401 with a bare ``WWW-Authenticate: Bearer`` challenge."""
    assert response.status_code == 401, response.text
    assert response.headers.get_list("WWW-Authenticate") == ["Bearer"]
    assert response.json() == AUTH_REQUIRED


def assert_token_pair(response: httpx.Response) -> dict[str, Any]:
    """A 200 token response of API.md's shape, not cacheable; returns its body."""
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert set(body) == TOKEN_FIELDS
    assert body["tokenType"] == "Bearer"
    assert type(body["expiresIn"]) is int
    assert ACCESS_SECONDS - 5 <= body["expiresIn"] <= ACCESS_SECONDS
    assert ISO_UTC.fullmatch(body["expires"]), body["expires"]
    assert isinstance(body["accessToken"], str)
    assert isinstance(body["refreshToken"], str)
    assert body["refreshToken"]
    assert body["refreshToken"] != body["accessToken"]
    return body


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """POST /api/auth/login."""
    return client.post("/api/auth/login", json={"username": username, "password": password})


def refresh(client: httpx.Client, refresh_token: str) -> httpx.Response:
    """POST /api/auth/refresh-token."""
    return client.post("/api/auth/refresh-token", json={"refreshToken": refresh_token})
