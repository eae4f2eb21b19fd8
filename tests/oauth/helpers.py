"""Helpers for the OAuth tests: client keys, a JWKS host, registration, Authlib clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, RSAKey

from tests.servers import Server

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NO_STORE = "no-store"
USERS_ONLY = {"message": "This route is for users; a client's token cannot call it"}


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
    """Authlib's ``private_key_jwt``, with assertions living 60 s (its default is an hour)."""

    def sign(self, auth: Any, token_endpoint: str) -> Any:
        now = int(time.time())
        self.claims = {"iat": now, "exp": now + 60}
        return super().sign(auth, token_endpoint)


def rsa_pem() -> tuple[str, bytes]:
    """A new RSA private key (PKCS#8 PEM text) and its public key (PEM bytes)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def ec_jwk() -> ECKey:
    """A new P-256 private key as a JWK with a ``kid``."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    jwk = ECKey.import_key(pem)
    jwk.ensure_kid()
    return jwk


@dataclass
class JwksHost:
    """A JWKS document served on loopback (what a client publishes its keys at)."""

    url: str
    keys: list[dict[str, Any]]


@contextmanager
def serve_jwks(*keys: ECKey | RSAKey) -> Iterator[JwksHost]:
    """Serve the public parts of ``keys`` as a JWKS until the block ends."""
    # ticketbooth needs each key's "alg" (RFC 7517 4.4): the key, not the token, names it.
    host = JwksHost("", [{**k.as_dict(private=False), "alg": _alg(k), "use": "sig"} for k in keys])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"keys": host.keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.url = f"http://127.0.0.1:{httpd.server_address[1]}/jwks.json"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        httpd.shutdown()
        httpd.server_close()


def _alg(key: ECKey | RSAKey) -> str:
    return "ES256" if isinstance(key, ECKey) else "RS256"


def register(server: Server, name: str, *args: str) -> dict[str, str]:
    """``ticketbooth clients add NAME ARGS``; its ``client_id``/``client_secret`` lines."""
    result = server.cli("clients", "add", name, *args)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert set(lines) <= {"client_id", "client_secret"}, result.stdout
    return lines


def secret_client(client: dict[str, str], method: str) -> OAuth2Client:
    """Authlib's client for a secret client, authenticating with ``method``."""
    return OAuth2Client(
        client["client_id"], client["client_secret"], token_endpoint_auth_method=method
    )


def key_client(client_id: str, key: str | ECKey, endpoint: str, alg: str) -> OAuth2Client:
    """Authlib's client authenticating with ``private_key_jwt``."""
    auth = ShortLivedPrivateKeyJWT(endpoint, alg=alg)
    return OAuth2Client(client_id, key, token_endpoint_auth_method=auth)


def post_form(
    server: Server,
    path: str,
    data: dict[str, str] | str,
    *,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a form (or a raw body) to the server."""
    basic = httpx.BasicAuth(*auth) if auth else httpx.USE_CLIENT_DEFAULT
    with server.client() as http:
        if isinstance(data, str):
            return http.post(path, content=data, auth=basic, headers=headers)
        return http.post(path, data=data, auth=basic, headers=headers)


def assert_oauth_error(response: httpx.Response, status: int, error: str, description: str) -> None:
    """An RFC 6749 §5.2 error answer, never cached."""
    assert response.status_code == status, response.text
    assert response.json() == {"error": error, "error_description": description}
    assert response.headers["Cache-Control"] == NO_STORE
