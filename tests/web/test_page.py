"""The sign-in page at ``/``: its files, its Content-Security-Policy, and what it never does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import resources

import httpx
import pytest

from tests.servers import Server, ServerPool

STATIC = resources.files("ticketbooth.web") / "static"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_script += data.strip()


@pytest.fixture(scope="module")
def page_server(module_servers: ServerPool, engine_name: str) -> Server:
    return module_servers.start(engine=engine_name, users={})


@pytest.fixture
def client(page_server: Server) -> Iterator[httpx.Client]:
    with page_server.client() as http:
        yield http


def test_the_page_is_served_at_the_root(client: httpx.Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<form id="login-form">' in response.text


def test_the_page_has_a_strict_content_security_policy(client: httpx.Client) -> None:
    headers = client.get("/").headers

    policy = dict(
        part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("path", "scripts"),
    [
        ("/", ["request.js", "app.js", "security.js", "accounts.js", "passkeys.js"]),
        (
            "/admin",
            [
                "request.js",
                "admin.js",
                "admin-users.js",
                "admin-keys.js",
                "admin-clients.js",
                "admin-audit.js",
            ],
        ),
    ],
)
def test_the_page_has_no_inline_script_nor_handler_nor_outside_resource(
    client: httpx.Client, path: str, scripts: list[str]
) -> None:
    parser = Tags()
    parser.feed(client.get(path).text)

    assert parser.inline_script == ""
    for tag, attrs in parser.tags:
        assert not [name for name in attrs if name.startswith("on")], tag
        assert "style" not in attrs, tag
        for name in ("src", "href"):
            value = attrs.get(name)
            if tag == "a" and value is not None:  # a link to another page of this origin
                assert value.startswith("/") and not value.startswith("//"), (tag, value)
            else:
                assert value is None or value.startswith("/static/"), (tag, value)
    # deferred, in dependency order: the first defines the namespace the others build on
    assert [(tag, attrs) for tag, attrs in parser.tags if tag == "script"] == [
        ("script", {"src": f"/static/{script}", "defer": None}) for script in scripts
    ]


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("request.js", "text/javascript; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("passkeys.js", "text/javascript; charset=utf-8"),
        ("admin.js", "text/javascript; charset=utf-8"),
        ("admin-users.js", "text/javascript; charset=utf-8"),
        ("admin-keys.js", "text/javascript; charset=utf-8"),
        ("admin-clients.js", "text/javascript; charset=utf-8"),
        ("admin-audit.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
def test_the_page_files_are_served(client: httpx.Client, name: str, media_type: str) -> None:
    response = client.get(f"/static/{name}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert response.content == (STATIC / name).read_bytes()


@pytest.mark.parametrize("name", ["index.html", "nope.js", "..%2fapp.py", "%2e%2e%2fcookies.py"])
def test_nothing_else_is_served(client: httpx.Client, name: str) -> None:
    response = client.get(f"/static/{name}")

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["app.js", "passkeys.js"])
def test_the_script_never_stores_anything_nor_reads_a_token(name: str) -> None:
    script = (STATIC / name).read_text()

    for word in ("localStorage", "sessionStorage", "indexedDB", "accessToken", "refreshToken"):
        assert word not in script
    assert re.search(r"useCookies:\s*true", script)
    assert "innerHTML" not in script  # data goes in with textContent only


def test_the_shared_request_script_sends_cookies_only_and_reads_no_token() -> None:
    script = (STATIC / "request.js").read_text()

    for word in ("localStorage", "sessionStorage", "indexedDB", "accessToken", "refreshToken"):
        assert word not in script
    assert "innerHTML" not in script
    assert re.search(r'credentials:\s*"same-origin"', script)
    assert re.search(r'cache:\s*"no-store"', script)
    assert re.findall(r"document\.cookie", script) == ["document.cookie"]  # the csrf cookie
