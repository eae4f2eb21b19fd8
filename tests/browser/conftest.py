"""Playwright driving Debian's Chromium (never a downloaded browser) against real servers.

``make test`` installs ``chromium`` with apt-get when ``/usr/bin/chromium`` is missing.
Without it the browser tests are skipped, with the reason, except under CI (the ``CI``
environment variable set), where a missing browser fails them: CI must not go green by
skipping.  Each test saves screenshots of the screens it passes through in
``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.servers import PASSWORDS, Server, ServerPool, require

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT_MS = 20_000
ACCESS_SECONDS = 3
PRODUCTS = (("Laptop", 999.99), ("Headphones", 149.5), ("Coffee mug", 12.0))
# Cookies stay Secure (the default): Chromium, like Firefox, keeps Secure cookies for
# http://127.0.0.1 and http://localhost, so the tests run as production does.
SITE_ENV = {
    "TICKETBOOTH_ACCESS_MINUTES": str(ACCESS_SECONDS / 60),  # 3-second access tokens
    "TICKETBOOTH_LOGIN_USER_FAILURES": "3",
}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright, or a skip (a failure under CI) when Debian's Chromium is missing."""
    require(
        "Chromium",
        None
        if CHROMIUM.exists()
        else f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get)",
    )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def site(module_servers: ServerPool) -> Server:
    """The service with 3-second access tokens, users admin and john, and three products.

    SQLite only: the HTTP suites cover both engines; this one is about the page.
    """
    srv = module_servers.start(settings=SITE_ENV)
    token = srv.token("admin")
    with srv.client() as client:
        for name, price in PRODUCTS:
            response = client.post(
                "/api/products",
                json={"name": name, "price": price},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201, response.text
    return srv


def new_context(browser: Browser, server: Server) -> BrowserContext:
    """A fresh profile (its own cookie jar) pointed at ``server``."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1040, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def context(chromium: Browser, site: Server) -> Iterator[BrowserContext]:
    ctx = new_context(chromium, site)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def shot(page: Page, name: str) -> Path:
    """Save a screenshot of the page as ``tests/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def sign_in(page: Page, name: str, password: str | None = None) -> None:
    """Open the page and sign in through the form; waits for the signed-in view."""
    page.goto("/")
    expect(page.locator("#login-view")).to_be_visible()
    page.fill("#username", name)
    page.fill("#password", password or PASSWORDS[name])
    page.click("#sign-in")
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_have_text(name)


def jar(context: BrowserContext) -> dict[str, str]:
    """The cookies the browser holds, by name."""
    return {cookie["name"]: cookie["value"] for cookie in context.cookies()}


def wait_for_access_cookie_to_expire(page: Page) -> None:
    """Wait (bounded) until the browser has dropped the 3-second access cookie."""
    for _ in range(100):
        if "access_token" not in jar(page.context):
            return
        page.wait_for_timeout(100)
    pytest.fail("the access cookie did not expire")


def assert_no_token_reaches_javascript(page: Page) -> None:
    """``document.cookie`` shows only the CSRF cookie, and nothing is stored."""
    cookies = jar(page.context)
    assert "refresh_token" in cookies
    visible = page.evaluate("document.cookie")
    names = {part.split("=", 1)[0].strip() for part in visible.split(";") if part.strip()}
    assert names == {"csrf"}, visible
    for name in ("access_token", "refresh_token"):
        if name in cookies:
            assert cookies[name] not in visible
    stored = page.evaluate("[localStorage.length, sessionStorage.length]")
    assert stored == [0, 0]


def notice(page: Page, text: str | re.Pattern[str]) -> None:
    """The notice line shows ``text``."""
    expect(page.locator("#notice")).to_have_text(text)


def bearer_logout(server: Server, name: str) -> None:
    """Sign ``name`` out everywhere through the bearer API (as from another device)."""
    with server.client() as client:
        response = client.post(
            "/api/auth/logout", headers={"Authorization": f"Bearer {server.token(name)}"}
        )
    assert response.status_code == 204
