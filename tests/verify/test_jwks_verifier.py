"""JWKSVerifier on its own: an issuer played by a local HTTP server, a clock moved by hand."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ticketbooth.tokens import Key, KeySet, TokenIssuer
from ticketbooth.tokens.errors import ConfigurationError, UnknownKeyError
from ticketbooth.verify import MAX_DOCUMENT_BYTES, JWKSVerifier

ISSUER, AUDIENCE = "https://issuer.example", "orders-api"
START = 1_900_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Issuer:
    """A discovery document and a JWKS on 127.0.0.1; ``documents`` may be replaced."""

    def __init__(self) -> None:
        self.key = Key.generate("ES256")
        self.documents: dict[str, tuple[int, bytes]] = {}
        self.requests: list[str] = []
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                status, body = issuer.documents.get(self.path, (404, b"{}"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.serve(jwks=KeySet([self.key]).export_jwks())
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, *, jwks: Any = None, jwks_raw: bytes | None = None, jwks_uri: str = "") -> None:
        discovery = {"issuer": ISSUER, "jwks_uri": jwks_uri or self.url + "/jwks.json"}
        self.documents["/.well-known/openid-configuration"] = (200, json.dumps(discovery).encode())
        self.documents["/jwks.json"] = (200, jwks_raw or json.dumps(jwks).encode())

    def token(self, key: Key | None = None) -> str:
        issuer = TokenIssuer(
            KeySet([key or self.key]), issuer=ISSUER, audience=AUDIENCE, lifetime=300, now=Clock()
        )
        return issuer.issue(subject="42", name="john", role="User").token

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    server = Issuer()
    yield server
    server.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def verifier(
    issuer: Issuer, clock: Clock, *, refetch_interval: float = 30.0, max_age: float = 300.0
) -> JWKSVerifier:
    return JWKSVerifier(
        issuer.url, AUDIENCE, now=clock, refetch_interval=refetch_interval, max_age=max_age
    )


@pytest.mark.parametrize(
    "url", ["http://issuer.example", "http://10.0.0.1:8000", "ftp://127.0.0.1", "file:///etc"]
)
def test_keys_must_come_over_https_except_from_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        JWKSVerifier(url, AUDIENCE)

    assert info.value.message == (
        f"{url!r}: keys must be fetched over https (http only for localhost)"
    )


def test_a_discovery_document_pointing_at_plain_http_elsewhere_is_not_followed(
    issuer: Issuer, clock: Clock
) -> None:
    issuer.serve(jwks_uri="http://issuer.example/jwks.json")
    checker = verifier(issuer, clock)

    assert checker.refresh() is False
    assert checker.fetch_count == 0
    assert issuer.requests == ["/.well-known/openid-configuration"]


def test_the_issuer_and_its_keys_come_from_discovery(issuer: Issuer, clock: Clock) -> None:
    checker = verifier(issuer, clock)

    claims = checker.validate(issuer.token())

    assert claims["iss"] == ISSUER
    assert checker.params.issuer == ISSUER
    assert checker.fetch_count == 1


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"[" + b" " * MAX_DOCUMENT_BYTES + b"]", id="oversized"),
        pytest.param(b"[]", id="list"),
        pytest.param(b'"keys"', id="string"),
        pytest.param(b"null", id="null"),
        pytest.param(b"{not json", id="not-json"),
    ],
)
def test_a_bad_jwks_document_is_refused_and_cached_keys_are_kept(
    issuer: Issuer, clock: Clock, document: bytes
) -> None:
    checker = verifier(issuer, clock, max_age=60)
    token = issuer.token()
    checker.validate(token)
    issuer.serve(jwks_raw=document)
    clock.now += 60  # the cached keys are now stale: the next use refetches

    assert checker.validate(token)["sub"] == "42"  # the old keys still verify
    assert checker.fetch_count == 1  # the refetch failed
    assert issuer.requests.count("/jwks.json") == 2


def test_a_bad_first_document_leaves_no_keys(issuer: Issuer, clock: Clock) -> None:
    issuer.serve(jwks_raw=b"[]")
    checker = verifier(issuer, clock)

    with pytest.raises(UnknownKeyError):
        checker.validate(issuer.token())
    assert checker.fetch_count == 0


def test_unknown_kids_refetch_at_most_once_per_interval(issuer: Issuer, clock: Clock) -> None:
    checker = verifier(issuer, clock, refetch_interval=30, max_age=3600)
    checker.validate(issuer.token())
    stranger = Key.generate("ES256")

    for _ in range(100):
        with pytest.raises(UnknownKeyError):
            checker.validate(issuer.token(stranger))
    assert issuer.requests.count("/jwks.json") == 1  # within 30 s of the first fetch: none

    clock.now += 30
    for _ in range(100):
        with pytest.raises(UnknownKeyError):
            checker.validate(issuer.token(stranger))
    assert issuer.requests.count("/jwks.json") == 2  # one per interval


def test_a_rotated_key_is_learned_after_the_interval(issuer: Issuer, clock: Clock) -> None:
    checker = verifier(issuer, clock, refetch_interval=30, max_age=3600)
    checker.validate(issuer.token())
    rotated = Key.generate("ES256")
    issuer.serve(jwks=KeySet([issuer.key, rotated]).export_jwks())

    clock.now += 30

    assert checker.validate(issuer.token(rotated))["sub"] == "42"
    assert checker.fetch_count == 2


def test_an_issuer_that_is_down_keeps_the_cached_keys(issuer: Issuer, clock: Clock) -> None:
    checker = verifier(issuer, clock, max_age=60)
    token = issuer.token()
    checker.validate(token)
    issuer.close()
    clock.now += 61

    assert checker.validate(token)["sub"] == "42"
    assert checker.fetch_count == 1
