"""No input makes the service answer 5xx: odd bodies, headers, paths and raw bytes."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import Server

from .helpers import INVALID_CREDENTIALS, INVALID_REFRESH, bearer

JSON = {"Content-Type": "application/json"}

ODD_BODIES: list[Any] = [
    pytest.param(b"", id="empty"),
    pytest.param(b"null", id="null"),
    pytest.param(b"[]", id="list"),
    pytest.param(b'[{"username": "a", "password": "b"}]', id="list-of-object"),
    pytest.param(b'"a string"', id="string"),
    pytest.param(b"123", id="number"),
    pytest.param(b"true", id="bool"),
    pytest.param(b"{}", id="empty-object"),
    pytest.param(b'{"username": null, "password": null, "refreshToken": null}', id="nulls"),
    pytest.param(b'{"username": {}, "password": [], "refreshToken": {}}', id="containers"),
    pytest.param(b'{"username": 1e400, "password": -1e400, "refreshToken": 1e400}', id="inf"),
    pytest.param(b'{"username": NaN, "password": NaN, "refreshToken": NaN}', id="nan"),
    pytest.param(b'{"username": ' + b"9" * 5000 + b"}", id="5000-digit-number"),
    pytest.param(b'{"username": 1' + b"0" * 400 + b"}", id="400-digit-number"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
    pytest.param(b'{"a": ' * 10_000 + b"1" + b"}" * 10_000, id="deep-objects"),
    pytest.param(
        b'{"username": "\\ud800", "password": "\\udfff", "refreshToken": "\\ud800"}',
        id="lone-surrogates",
    ),
    pytest.param(
        b'{"username": "\xff\xfe", "password": "\xc3", "refreshToken": "\x80"}', id="invalid-utf8"
    ),
    pytest.param(b"\xef\xbb\xbf{}", id="bom"),
    pytest.param(b'{"username": "x", "username": ["y"], "password": "z"}', id="duplicate-keys"),
    pytest.param(b"\x00\x01\x02\x03", id="binary"),
    pytest.param(
        json.dumps({"username": "é" * 150, "password": "\u2028" * 1024}).encode(),
        id="unicode-at-limits",
    ),
    pytest.param(json.dumps({"refreshToken": "\u00e9" * 512}).encode(), id="unicode-refresh-token"),
]

ODD_CREDENTIALS: list[Any] = [
    pytest.param("nul\x00user", "pass\x00word", id="nul"),
    pytest.param("ünïcödé-😀", "пароль-密码-🔑", id="unicode"),
    pytest.param("rtl-\u202e\u200f", "zero-width-\u200b\ufeff", id="invisible"),
    pytest.param("' OR 1=1 --", "'; DROP TABLE users; --", id="sql"),
    pytest.param("%s%n%x", "{0}{__class__}", id="format-strings"),
    pytest.param(" john", "x", id="leading-space"),
    pytest.param("JOHN", "x", id="upper-case"),
]


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, str]:
    return bearer(server.token("admin"))


def _assert_no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize("content", ODD_BODIES)
@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/refresh-token"])
def test_odd_json_bodies_are_4xx(client: httpx.Client, path: str, content: bytes) -> None:
    response = client.post(path, content=content, headers=JSON)

    assert 400 <= response.status_code < 500, response.text
    assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize("content", ODD_BODIES)
def test_odd_product_bodies_are_4xx(
    client: httpx.Client, admin: dict[str, str], content: bytes
) -> None:
    response = client.post("/api/products", content=content, headers={**admin, **JSON})

    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/json; charset=utf-16",
        "application/json; charset=nonsense",
        "application/xml",
        "a" * 2000,
    ],
)
def test_odd_content_types_are_4xx(client: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = client.post("/api/auth/login", content=b"username=a&password=b", headers=headers)

    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(("username", "password"), ODD_CREDENTIALS)
def test_odd_credentials_are_refused_plainly(
    client: httpx.Client, username: str, password: str
) -> None:
    response = client.post("/api/auth/login", json={"username": username, "password": password})

    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.parametrize(
    "token",
    ["\x00", "nul\x00token", "😀" * 100, "' OR 1=1 --", "a.b.c", "-" * 512, " " * 10],
)
def test_odd_refresh_tokens_are_refused_plainly(client: httpx.Client, token: str) -> None:
    response = client.post("/api/auth/refresh-token", json={"refreshToken": token})

    assert response.status_code == 401
    assert response.json() == INVALID_REFRESH


@pytest.mark.parametrize(
    "name",
    ["nul\x00name", "😀" * 50, "\u202e" + "x" * 199, "<script>alert(1)</script>"],
)
def test_odd_product_names_round_trip(
    client: httpx.Client, admin: dict[str, str], name: str
) -> None:
    created = client.post("/api/products", json={"name": name, "price": 0}, headers=admin)

    assert created.status_code == 201, created.text
    assert created.json()["name"] == name
    assert client.get(created.headers["Location"], headers=admin).json()["name"] == name


@pytest.mark.parametrize(
    "price",
    [0, 0.001, 9_999_999_999.99, 1e-300, 5e-324, 2**53 + 1],
)
def test_extreme_prices_do_not_crash(
    client: httpx.Client, admin: dict[str, str], price: float
) -> None:
    response = client.post("/api/products", json={"name": "Edge", "price": price}, headers=admin)

    _assert_no_server_error(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/products/0",
        "/api/products/-1",
        "/api/products/2147483648",
        "/api/products/" + "9" * 5000,
        "/api/products/%00",
        "/api/products/%F0%9F%98%80",
        "/api/products/%ff",
        "/api/products/1%2F2",
        "/api/products/" + "a" * 10_000,
        "/api/products/x?q=" + "x" * 10_000,
        "/api/products//1",
        "/api/nothing-here",
        "/api/auth/login/extra",
    ],
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_odd_paths_are_4xx(
    client: httpx.Client, admin: dict[str, str], method: str, path: str
) -> None:
    response = client.request(method, path, headers=admin)

    assert 400 <= response.status_code < 500, response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/products"),
        ("PATCH", "/api/products/1"),
        ("GET", "/api/auth/login"),
        ("DELETE", "/api/auth/logout"),
        ("TRACE", "/api/products"),
    ],
)
def test_wrong_methods_are_405(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)

    assert response.status_code == 405


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(b"Bearer " + b"a" * 100_000, id="100-KB-token"),
        pytest.param(b"Bearer " + b"a.b." * 2000, id="many-dots"),
        pytest.param(b"Bearer \xff\xfe\x80\x81", id="non-latin1-bytes"),
        pytest.param("Bearer jöhn".encode(), id="utf8"),
        pytest.param("Bearer é".encode("latin-1"), id="latin1"),
        pytest.param(b"Bearer a b c", id="spaces"),
        pytest.param(b"Bearer \ttab", id="tab"),
        pytest.param(b"Bearer ..", id="dots"),
        pytest.param(b"Bearer e30.e30.", id="empty-objects"),
        pytest.param(b"B" * 10_000, id="long-scheme"),
    ],
)
def test_odd_authorization_headers_do_not_crash(client: httpx.Client, authorization: bytes) -> None:
    response = client.get("/api/products/my-info", headers={b"Authorization": authorization})

    assert 400 <= response.status_code < 500, response.text


def test_repeated_authorization_headers_do_not_crash(client: httpx.Client) -> None:
    headers = [("Authorization", "Bearer garbage"), ("Authorization", "Basic eDp5")]

    response = client.get("/api/products/my-info", headers=headers)

    assert response.status_code == 401


def _request(line: bytes, header: bytes) -> bytes:
    return line + b" HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n"


def _raw(server: Server, request: bytes) -> bytes:
    url = urlsplit(server.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.partition(b"\r\n")[0]


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(
            b"GET /api/products/my-info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00\r\n\r\n",
            id="nul-in-header",
        ),
        pytest.param(
            _request(b"GET /api/products/my-info", b"Authorization: Bearer \x7f\x01"),
            id="control-bytes-in-header",
        ),
        pytest.param(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            id="content-length-not-a-number",
        ),
        pytest.param(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            id="negative-content-length",
        ),
        pytest.param(
            _request(b"POST /api/auth/login", b"Content-Length: 99999999999999999999"),
            id="enormous-content-length",
        ),
        pytest.param(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            id="bad-chunk-size",
        ),
        pytest.param(b"GET /api/products/\xff HTTP/1.1\r\nHost: x\r\n\r\n", id="raw-byte-in-path"),
        pytest.param(b"GET /api/products/my-info HTTP/1.1\r\n\r\n", id="no-host"),
        pytest.param(
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64, id="tls-hello"
        ),
    ],
)
def test_malformed_http_is_not_a_server_error(server: Server, request_bytes: bytes) -> None:
    status_line = _raw(server, request_bytes)

    if status_line:  # the server may also just close the connection
        assert status_line.startswith(b"HTTP/1.1 4"), status_line


def test_the_server_is_still_healthy(client: httpx.Client) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
