"""The account loop in headless Chromium, reading the mails from a real SMTP server:
sign up, the unconfirmed banner, confirm, change password, forgot, reset, sign in."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.mailbox import Mailbox, mailbox, text_of
from tests.servers import Server, ServerFactory

from .conftest import TIMEOUT_MS, new_context, shot

__all__ = ["mailbox"]

PASSWORD = "correct horse battery staple"
CHANGED = "a second passphrase here"
RESET = "a third passphrase, reset"


@pytest.fixture
def accounts_site(server_factory: ServerFactory, mailbox: Mailbox) -> Server:
    return server_factory(
        settings={
            "TICKETBOOTH_SMTP_URL": mailbox.url,
            "TICKETBOOTH_REGISTRATION": "open",
            "TICKETBOOTH_PUBLIC_URL": "https://auth.example.com",
        },
        users={},
    )


def link_path(mailbox: Mailbox, recipient: str, subject: str, count: int) -> str:
    """The path and query of the link in the newest mail with ``subject``."""
    mail = [m for m in mailbox.wait_for(recipient, count) if m["Subject"] == subject][-1]
    url = next(w for w in text_of(mail).split() if w.startswith("https://auth.example.com/"))
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def notice(page: Page, text: str) -> None:
    """The notice shows ``text`` (argon2id on a busy machine: the browser tests' bound)."""
    expect(page.locator("#notice")).to_have_text(text, timeout=TIMEOUT_MS)


def sign_in(page: Page, name: str, password: str) -> None:
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#sign-in")
    expect(page.locator("#app-view")).to_be_visible(timeout=TIMEOUT_MS)


def test_the_whole_account_loop(chromium: Browser, accounts_site: Server, mailbox: Mailbox) -> None:
    context = new_context(chromium, accounts_site)
    page = context.new_page()
    page.goto("/")
    page.click("#show-signup")
    page.fill("#signup-username", "zoe")
    page.fill("#signup-email", "zoe@example.com")
    page.fill("#signup-password", PASSWORD)
    shot(page, "accounts-1-sign-up")
    page.click("#sign-up")
    notice(page, "Check your inbox to confirm your email address")
    expect(page.locator("#login-view")).to_be_visible()

    sign_in(page, "zoe", PASSWORD)
    banner = page.locator("#verify-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("zoe@example.com")
    shot(page, "accounts-2-unconfirmed-banner")

    page.goto(link_path(mailbox, "zoe@example.com", "Confirm your email address", 1))
    notice(page, "Your email address is confirmed. Thank you!")
    assert urlsplit(page.url).query == ""  # the secret left the address bar
    expect(page.locator("#app-view")).to_be_visible()
    expect(banner).to_be_hidden()

    page.fill("#current-password", "not my password")
    page.fill("#new-password", CHANGED)
    page.click("#change-password")
    notice(page, "The current password is incorrect")
    page.fill("#current-password", PASSWORD)
    page.fill("#new-password", CHANGED)
    page.click("#change-password")
    notice(page, "Your password is changed; your other sessions are signed out.")
    shot(page, "accounts-3-password-changed")
    page.click("#sign-out")
    expect(page.locator("#login-view")).to_be_visible()

    page.click("#show-forgot")
    page.fill("#forgot-email", "ZOE@example.com")
    page.click("#send-reset")
    notice(page, "If the address belongs to an account, a mail with a link is on its way.")
    page.goto(link_path(mailbox, "zoe@example.com", "Reset your password", 2))
    expect(page.locator("#reset-view")).to_be_visible()
    page.fill("#reset-password", "password")
    page.click("#set-password")
    notice(page, "the password is on the list of commonly used passwords")
    page.fill("#reset-password", RESET)
    shot(page, "accounts-4-reset-form")
    page.click("#set-password")
    notice(page, "Your password is changed and every session signed out. Sign in with the new one.")
    expect(page.locator("#login-view")).to_be_visible()
    page.fill("#username", "zoe")
    page.fill("#password", CHANGED)
    page.click("#sign-in")
    notice(page, "Wrong username or password.")
    sign_in(page, "zoe", RESET)
    expect(page.locator("#user-name")).to_have_text("zoe")
    shot(page, "accounts-5-signed-in")
    context.close()
