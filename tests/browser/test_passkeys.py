"""Passkeys in headless Chromium with the DevTools virtual authenticator: add one on the
Security view, sign out, sign in with the passkey alone, delete it, and be refused.

Passkeys are bound to a domain name (browsers refuse an IP address as the relying
party) and to an exact origin, port included, which the server must know when it starts
(``TICKETBOOTH_PUBLIC_URL``), before it has said where it listens.  So a TCP proxy takes
a port from the kernel first (race-free), the server starts with
``http://localhost:<proxy port>``, and the browser opens that address, the proxy
standing where a deployment's own would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect

from tests.ops.tcp_proxy import TcpProxy
from tests.servers import PASSWORDS, Server, ServerPool

from .conftest import TIMEOUT_MS, notice, shot

DOCS = Path(__file__).resolve().parents[2] / "docs"
AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture(scope="module")
def proxy() -> Iterator[TcpProxy]:
    """Its port first; its target once the server says where it listens."""
    made = TcpProxy(("127.0.0.1", 9))
    yield made
    made.cut()


@pytest.fixture(scope="module")
def passkey_site(module_servers: ServerPool, proxy: TcpProxy) -> Server:
    """The service at ``http://localhost:<proxy port>`` (a domain: passkeys refuse IPs)."""
    server = module_servers.start(
        settings={"TICKETBOOTH_PUBLIC_URL": f"http://localhost:{proxy.port}"}
    )
    proxy.target = ("127.0.0.1", server.port)
    return server


@pytest.fixture
def context(chromium: Browser, passkey_site: Server, proxy: TcpProxy) -> Iterator[BrowserContext]:
    ctx = chromium.new_context(
        base_url=f"http://localhost:{proxy.port}", viewport={"width": 1040, "height": 720}
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


def virtual_authenticator(page: Page) -> tuple[CDPSession, str]:
    """A platform authenticator with resident keys and user verification (a fingerprint
    that always matches), attached to ``page``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return cdp, str(added["authenticatorId"])


def test_add_a_passkey_sign_in_with_it_alone_delete_it(context: BrowserContext) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    cdp, authenticator = virtual_authenticator(page)
    page.goto("/")
    page.fill("#username", "john")
    page.fill("#password", PASSWORDS["john"])
    page.click("#sign-in")
    expect(page.locator("#passkey-panel")).to_be_visible()
    expect(page.locator("#no-passkeys")).to_be_visible()

    page.fill("#passkey-name", "This laptop")
    page.click("#passkey-add")
    notice(page, "Added the passkey This laptop.")
    rows = page.locator("#passkey-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("This laptop")
    expect(rows.first).to_contain_text("Never")
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(held) == 1
    assert held[0]["isResidentCredential"] is True
    assert held[0]["rpId"] == "localhost"
    shot(page, "passkey-added")

    page.click("#sign-out")
    expect(page.locator("#login-view")).to_be_visible()
    shot(page, "passkey-sign-in-form")
    page.click("#passkey-sign-in")  # no username, no password
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_have_text("john")
    expect(rows).to_have_count(1)
    expect(rows.first).not_to_contain_text("Never")
    DOCS.mkdir(exist_ok=True)
    page.locator("#passkey-panel").screenshot(path=DOCS / "passkeys.png")
    shot(page, "passkey-signed-in")

    rows.first.get_by_role("button", name="Delete passkey This laptop").click()
    notice(page, "Deleted the passkey This laptop.")
    expect(rows).to_have_count(0)
    expect(page.locator("#no-passkeys")).to_be_visible()

    page.click("#sign-out")
    expect(page.locator("#login-view")).to_be_visible()
    page.click("#passkey-sign-in")  # the authenticator still offers it; the server refuses
    notice(page, "The passkey was not accepted")
    expect(page.locator("#login-view")).to_be_visible()
    shot(page, "passkey-refused-after-delete")


def test_a_refused_fingerprint_adds_nothing(context: BrowserContext) -> None:
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    cdp, authenticator = virtual_authenticator(page)
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )
    page.goto("/")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORDS["admin"])
    page.click("#sign-in")
    expect(page.locator("#passkey-panel")).to_be_visible()

    page.fill("#passkey-name", "Not me")
    page.click("#passkey-add")

    notice(page, "The passkey request was cancelled or timed out.")
    expect(page.locator("#passkey-rows tr")).to_have_count(0)
    held = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert held == []
