"""Property: no request makes the service answer 5xx, on either engine (hypothesis).

Arbitrary JSON (strings with NUL, lone surrogates, any code point; deep containers;
huge numbers), arbitrary bytes, arbitrary path segments and bearer tokens go to every
route of a real server.  The runs are derandomized with no example database, so CI sees
the same examples every time; the example counts keep each engine to about a minute.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.servers import Server, ServerPool

from .helpers import bearer

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Every code point, surrogates included (json.dumps escapes them as \udxxx).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats()
    | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = {
    "/api/auth/login": ["username", "password", "useCookies"],
    "/api/auth/refresh-token": ["refreshToken"],
    "/api/products": ["name", "price"],
}
# A header value httpx can send: printable Latin-1 (h11 refuses control characters).
HEADER_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=200,
)


def bodies(path: str) -> st.SearchStrategy[Any]:
    """Any JSON, or an object with the route's own field names and any values."""
    fields = st.fixed_dictionaries({}, optional={f: JSON_VALUES for f in FIELDS[path]})
    return JSON_VALUES | fields


@pytest.fixture(scope="module")
def fuzzed(module_servers: ServerPool, engine_name: str) -> Server:
    """A server of its own: the fuzzing locks addresses and deletes products."""
    return module_servers.start(engine=engine_name)


@pytest.fixture(scope="module")
def admin(fuzzed: Server) -> dict[str, str]:
    return bearer(fuzzed.token("admin"))


def _assert_not_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400 and response.status_code != 405:
        assert isinstance(response.json()["message"], str)


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_arbitrary_json_bodies_never_5xx(
    fuzzed: Server, admin: dict[str, str], data: st.DataObject
) -> None:
    path = data.draw(st.sampled_from(sorted(FIELDS)), label="path")
    body = data.draw(bodies(path), label="body")
    content = json.dumps(body).encode()  # ASCII: surrogates and NUL escaped

    with fuzzed.client() as client:
        response = client.post(
            path, content=content, headers={**admin, "Content-Type": "application/json"}
        )

    _assert_not_5xx(response)


@settings(FUZZ, max_examples=40)
@given(path=st.sampled_from(sorted(FIELDS)), content=st.binary(max_size=2000))
def test_arbitrary_bytes_never_5xx(
    fuzzed: Server, admin: dict[str, str], path: str, content: bytes
) -> None:
    with fuzzed.client() as client:
        response = client.post(
            path, content=content, headers={**admin, "Content-Type": "application/json"}
        )

    _assert_not_5xx(response)


ROUTES = [
    ("GET", "/api/products/{}"),
    ("DELETE", "/api/products/{}"),
    ("GET", "/api/products"),
    ("GET", "/api/products/my-info"),
    ("POST", "/api/auth/logout"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/openid-configuration"),
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/{}"),
]


@settings(FUZZ, max_examples=100)
@given(
    route=st.sampled_from(ROUTES),
    segment=ANY_TEXT.map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")),
    token=HEADER_TEXT,
    as_admin=st.booleans(),
)
def test_arbitrary_paths_and_tokens_never_5xx(
    fuzzed: Server,
    admin: dict[str, str],
    route: tuple[str, str],
    segment: str,
    token: str,
    as_admin: bool,
) -> None:
    method, template = route
    # Latin-1 bytes, trimmed: what h11 lets a client send (no surrounding whitespace)
    authorization = f"Bearer {token}".strip().encode("latin-1")
    headers: dict[Any, Any] = admin if as_admin else {b"Authorization": authorization}

    with fuzzed.client() as client:
        response = client.request(method, template.format(segment), headers=headers)

    _assert_not_5xx(response)
