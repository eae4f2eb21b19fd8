"""No input makes the service answer 5xx: odd bodies, headers, paths and raw bytes."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import Server

from .helpers import INVALID_CREDENTIALS, INVALID_REFRESH, NOT_JSON, TOO_LARGE, bearer

JSON = {"Content-Type": "application/json"}

NOT_OBJECT = (422, "body: Input should be a valid dictionary or object to extract fields from")
UNPARSABLE = (400, "There was an error parsing the body")
BAD_JSON = (422, NOT_JSON["message"])
BIG = (413, TOO_LARGE["message"])
LOGIN_FAILS = (401, INVALID_CREDENTIALS["message"])
REFRESH_FAILS = (401, INVALID_REFRESH["message"])


def required(field: str) -> tuple[int, str]:
    return (422, f"{field}: Field required")


def not_a_string(field: str) -> tuple[int, str]:
    return (422, f"{field}: Input should be a valid string")


# Each body with the exact answer of login, refresh-token and POST /api/products.  The
# deep-nesting bodies stay under the 64 KiB limit, so the JSON parser does see them.
ODD_BODIES: list[Any] = [
    pytest.param(b"", required("body"), required("body"), required("body"), id="empty"),
    pytest.param(b"null", NOT_OBJECT, required("body"), NOT_OBJECT, id="null"),
    pytest.param(b"[]", NOT_OBJECT, NOT_OBJECT, NOT_OBJECT, id="list"),
    pytest.param(
        b'[{"username": "a", "password": "b"}]',
        NOT_OBJECT,
        NOT_OBJECT,
        NOT_OBJECT,
        id="list-of-object",
    ),
    pytest.param(b'"a string"', NOT_OBJECT, NOT_OBJECT, NOT_OBJECT, id="string"),
    pytest.param(b"123", NOT_OBJECT, NOT_OBJECT, NOT_OBJECT, id="number"),
    pytest.param(b"true", NOT_OBJECT, NOT_OBJECT, NOT_OBJECT, id="bool"),
    pytest.param(
        b"{}", required("username"), required("refreshToken"), required("name"), id="empty-object"
    ),
    pytest.param(
        b'{"username": null, "password": null, "refreshToken": null}',
        not_a_string("username"),
        not_a_string("refreshToken"),
        required("name"),
        id="nulls",
    ),
    pytest.param(
        b'{"username": {}, "password": [], "refreshToken": {}}',
        not_a_string("username"),
        not_a_string("refreshToken"),
        required("name"),
        id="containers",
    ),
    pytest.param(
        b'{"username": 1e400, "password": -1e400, "refreshToken": 1e400}',
        not_a_string("username"),
        not_a_string("refreshToken"),
        required("name"),
        id="inf",
    ),
    pytest.param(
        b'{"username": NaN, "password": NaN, "refreshToken": NaN}',
        not_a_string("username"),
        not_a_string("refreshToken"),
        required("name"),
        id="nan",
    ),
    pytest.param(
        b'{"username": ' + b"9" * 5000 + b"}",
        UNPARSABLE,
        UNPARSABLE,
        UNPARSABLE,
        id="5000-digit-number",
    ),
    pytest.param(
        b'{"username": 1' + b"0" * 400 + b"}",
        not_a_string("username"),
        required("refreshToken"),
        required("name"),
        id="400-digit-number",
    ),
    pytest.param(b"[" * 900 + b"]" * 900, NOT_OBJECT, NOT_OBJECT, NOT_OBJECT, id="nested-900"),
    pytest.param(
        b"[" * 30_000 + b"]" * 30_000, UNPARSABLE, UNPARSABLE, UNPARSABLE, id="deeply-nested"
    ),
    pytest.param(
        b'{"a": ' * 6_000 + b"1" + b"}" * 6_000,
        UNPARSABLE,
        UNPARSABLE,
        UNPARSABLE,
        id="deep-objects",
    ),
    pytest.param(
        b'{"username": ' + b"[" * 30_000 + b"]" * 30_000 + b', "password": "x"}',
        UNPARSABLE,
        UNPARSABLE,
        UNPARSABLE,
        id="deep-field",
    ),
    pytest.param(b"[" * 60_000, UNPARSABLE, UNPARSABLE, UNPARSABLE, id="deep-unclosed"),
    pytest.param(b"[" * 70_000, BIG, BIG, BIG, id="deep-over-the-limit"),
    pytest.param(
        b'{"username": "\\ud800", "password": "\\udfff", "refreshToken": "\\ud800"}',
        LOGIN_FAILS,
        REFRESH_FAILS,
        required("name"),
        id="lone-surrogates",
    ),
    pytest.param(
        b'{"username": "nul\\u0000", "password": "x", "refreshToken": "\\u0000"}',
        LOGIN_FAILS,
        REFRESH_FAILS,
        required("name"),
        id="nul",
    ),
    pytest.param(
        b'{"username": "\xff\xfe", "password": "\xc3", "refreshToken": "\x80"}',
        UNPARSABLE,
        UNPARSABLE,
        UNPARSABLE,
        id="invalid-utf8",
    ),
    pytest.param(
        b"\xef\xbb\xbf{}",
        required("username"),
        required("refreshToken"),
        required("name"),
        id="bom",
    ),
    pytest.param(
        b'{"username": "x", "username": ["y"], "password": "z"}',
        not_a_string("username"),
        required("refreshToken"),
        required("name"),
        id="duplicate-keys",
    ),
    pytest.param(b"\x00\x01\x02\x03", BAD_JSON, BAD_JSON, BAD_JSON, id="binary"),
    pytest.param(
        json.dumps({"username": "é" * 150, "password": "\u2028" * 1024}).encode(),
        LOGIN_FAILS,
        required("refreshToken"),
        required("name"),
        id="unicode-at-limits",
    ),
    pytest.param(
        json.dumps({"refreshToken": "\u00e9" * 512}).encode(),
        required("username"),
        REFRESH_FAILS,
        required("name"),
        id="unicode-refresh-token",
    ),
    pytest.param(
        json.dumps({"refreshToken": "r" * 60_000}).encode(),
        required("username"),
        REFRESH_FAILS,
        required("name"),
        id="60-KB-refresh-token",
    ),
    pytest.param(
        b'{"username": "a\\u0000", "password": 5}',
        not_a_string("password"),
        required("refreshToken"),
        required("name"),
        id="nul-and-malformed",
    ),
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


def _assert_answer(response: httpx.Response, expected: tuple[int, str]) -> None:
    assert (response.status_code, response.json()) == (expected[0], {"message": expected[1]})


@pytest.mark.parametrize(("content", "login", "refresh", "product"), ODD_BODIES)
def test_odd_json_bodies_get_their_exact_answer(
    client: httpx.Client,
    admin: dict[str, str],
    content: bytes,
    login: tuple[int, str],
    refresh: tuple[int, str],
    product: tuple[int, str],
) -> None:
    _assert_answer(client.post("/api/auth/login", content=content, headers=JSON), login)
    _assert_answer(client.post("/api/auth/refresh-token", content=content, headers=JSON), refresh)
    _assert_answer(
        client.post("/api/products", content=content, headers={**admin, **JSON}), product
    )


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
def test_odd_content_types_are_422(client: httpx.Client, content_type: str | None) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = client.post("/api/auth/login", content=b"username=a&password=b", headers=headers)

    # A JSON content type makes the form body invalid JSON; any other is not JSON at all,
    # so the body is missing.
    expected = BAD_JSON if "json" in (content_type or "") else NOT_OBJECT
    _assert_answer(response, expected)


@pytest.mark.parametrize(("username", "password"), ODD_CREDENTIALS)
def test_odd_credentials_are_refused_plainly(
    client: httpx.Client, username: str, password: str
) -> None:
    response = client.post("/api/auth/login", json={"username": username, "password": password})

    assert response.status_code == 401
    assert response.json() == INVALID_CREDENTIALS


@pytest.mark.parametrize(
    "token",
    [
        "",
        "\x00",
        "nul\x00token",
        "\ud800",
        "😀" * 100,
        "' OR 1=1 --",
        "a.b.c",
        "-" * 512,
        "-" * 513,
        "t" * 20_000,
        " " * 10,
    ],
)
def test_odd_refresh_tokens_are_refused_plainly(client: httpx.Client, token: str) -> None:
    body = json.dumps({"refreshToken": token}).encode()  # ASCII: \\ud800 escaped

    response = client.post("/api/auth/refresh-token", content=body, headers=JSON)

    assert response.status_code == 401
    assert response.json() == INVALID_REFRESH


@pytest.mark.parametrize(
    "name",
    ["😀" * 50, "\u202e" + "x" * 199, "<script>alert(1)</script>", "tab\tand\nnewline"],
)
def test_odd_product_names_round_trip(
    client: httpx.Client, admin: dict[str, str], name: str
) -> None:
    created = client.post("/api/products", json={"name": name, "price": 0}, headers=admin)

    assert created.status_code == 201, created.text
    assert created.json()["name"] == name
    assert client.get(created.headers["Location"], headers=admin).json()["name"] == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("nul\x00name", "must not contain NUL characters", id="nul"),
        pytest.param("\ud800x", "must not contain lone surrogates", id="lone-surrogate"),
    ],
)
def test_product_names_no_database_can_store_are_422(
    client: httpx.Client, admin: dict[str, str], name: str, reason: str
) -> None:
    # PostgreSQL refuses NUL in text; neither engine can store a lone surrogate as UTF-8.
    # Both engines answer alike, and before anything is written.
    before = client.get("/api/products", headers=admin).json()

    body = json.dumps({"name": name, "price": 1}).encode()  # ASCII: \\ud800 escaped

    response = client.post("/api/products", content=body, headers={**admin, **JSON})

    assert response.status_code == 422
    assert response.json() == {"message": f"name: {reason}"}
    assert client.get("/api/products", headers=admin).json() == before


@pytest.mark.parametrize(
    "price",
    [0, 0.001, 9_999_999_999.99, 1e-300, 5e-324, 2**53 + 1],
)
def test_extreme_prices_get_their_exact_answer(
    client: httpx.Client, admin: dict[str, str], price: float
) -> None:
    response = client.post("/api/products", json={"name": "Edge", "price": price}, headers=admin)

    if price >= 1e10:
        _assert_answer(response, (422, "price: Input should be less than 10000000000"))
    else:
        assert response.status_code == 201, response.text
        assert response.json()["price"] == round(price, 2)  # stored to the cent


BAD_ID = "path.product_id: Input should be a valid integer, unable to parse string as an integer"
NOT_FOUND = (404, "Not Found")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/products/0", (422, "path.product_id: Input should be greater than or equal to 1")),
        ("/api/products/-1", (422, "path.product_id: Input should be greater than or equal to 1")),
        (
            "/api/products/2147483648",
            (422, "path.product_id: Input should be less than or equal to 2147483647"),
        ),
        (
            "/api/products/" + "9" * 5000,
            (
                422,
                "path.product_id: Unable to parse input string as an integer, "
                "exceeded maximum size",
            ),
        ),
        ("/api/products/%00", (422, BAD_ID)),
        ("/api/products/%F0%9F%98%80", (422, BAD_ID)),
        ("/api/products/%ff", (422, BAD_ID)),
        ("/api/products/1%2F2", NOT_FOUND),
        ("/api/products/" + "a" * 10_000, (422, BAD_ID)),
        ("/api/products/x?q=" + "x" * 10_000, (422, BAD_ID)),
        ("/api/products//1", NOT_FOUND),
        ("/api/nothing-here", NOT_FOUND),
        ("/api/auth/login/extra", NOT_FOUND),
    ],
)
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_odd_paths_get_their_exact_answer(
    client: httpx.Client,
    admin: dict[str, str],
    method: str,
    path: str,
    expected: tuple[int, str],
) -> None:
    _assert_answer(client.request(method, path, headers=admin), expected)


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


MALFORMED = "The token is malformed"


@pytest.mark.parametrize(
    ("authorization", "description"),
    [
        pytest.param(b"Bearer " + b"a" * 100_000, MALFORMED, id="100-KB-token"),
        pytest.param(b"Bearer " + b"a.b." * 2000, MALFORMED, id="many-dots"),
        pytest.param(b"Bearer \xff\xfe\x80\x81", MALFORMED, id="non-latin1-bytes"),
        pytest.param("Bearer jöhn".encode(), MALFORMED, id="utf8"),
        pytest.param("Bearer é".encode("latin-1"), MALFORMED, id="latin1"),
        pytest.param(b"Bearer a b c", MALFORMED, id="spaces"),
        pytest.param(b"Bearer \ttab", MALFORMED, id="tab"),
        pytest.param(b"Bearer ..", MALFORMED, id="dots"),
        pytest.param(b"Bearer e30.e30.", "The algorithm is not allowed", id="empty-objects"),
        pytest.param(b"B" * 10_000, None, id="long-scheme"),
    ],
)
def test_odd_authorization_headers_are_401(
    client: httpx.Client, authorization: bytes, description: str | None
) -> None:
    response = client.get("/api/products/my-info", headers={b"Authorization": authorization})

    assert response.status_code == 401
    if description is None:  # not a bearer token at all
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json() == {"message": "Authentication required"}
    else:
        assert response.headers["WWW-Authenticate"] == (
            f'Bearer error="invalid_token", error_description="{description}"'
        )
        assert response.json() == {"message": description}


def test_repeated_authorization_headers_do_not_crash(client: httpx.Client) -> None:
    headers = [("Authorization", "Bearer garbage"), ("Authorization", "Basic eDp5")]

    response = client.get("/api/products/my-info", headers=headers)

    assert response.status_code == 401


def _request(line: bytes, header: bytes) -> bytes:
    return line + b" HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n\r\n"


def _raw(server: Server, request: bytes) -> bytes:
    """The status line the server answers ``request`` with; fails if it just hangs up."""
    url = urlsplit(server.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            assert chunk, f"the server closed the connection without answering: {data!r}"
            data += chunk
    return data.partition(b"\r\n")[0]


BAD_REQUEST = b"HTTP/1.1 400 Bad Request"


@pytest.mark.parametrize(
    ("request_bytes", "status_line"),
    [
        pytest.param(
            b"GET /api/products/my-info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00\r\n\r\n",
            BAD_REQUEST,
            id="nul-in-header",
        ),
        pytest.param(
            _request(b"GET /api/products/my-info", b"Authorization: Bearer \x7f\x01"),
            BAD_REQUEST,
            id="control-bytes-in-header",
        ),
        pytest.param(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            BAD_REQUEST,
            id="content-length-not-a-number",
        ),
        pytest.param(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            BAD_REQUEST,
            id="negative-content-length",
        ),
        pytest.param(
            _request(b"POST /api/auth/login", b"Content-Length: 99999999999999999999"),
            BAD_REQUEST,
            id="enormous-content-length",
        ),
        pytest.param(
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            BAD_REQUEST,
            id="bad-chunk-size",
        ),
        pytest.param(
            b"GET /api/products/\xff HTTP/1.1\r\nHost: x\r\n\r\n",
            BAD_REQUEST,
            id="raw-byte-in-path",
        ),
        pytest.param(
            b"GET /api/products/my-info HTTP/1.1\r\n\r\n",
            b"HTTP/1.1 401 Unauthorized",  # HTTP/1.1 wants Host; the route answers first
            id="no-host",
        ),
        pytest.param(
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64,
            BAD_REQUEST,
            id="tls-hello",
        ),
    ],
)
def test_malformed_http_gets_its_exact_status(
    server: Server, request_bytes: bytes, status_line: bytes
) -> None:
    assert _raw(server, request_bytes) == status_line


def test_the_server_is_still_healthy(client: httpx.Client) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
