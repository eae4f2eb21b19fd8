"""The Security view and two-step sign-in in headless Chromium (codes computed with pyotp)."""

from __future__ import annotations

import secrets
import time

import pyotp
from playwright.sync_api import Page, expect

from tests.servers import Server

from .conftest import ARTIFACTS, TIMEOUT_MS, notice, shot

PASSWORD = "a long enough password for the browser"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


def _fresh_code(totp: pyotp.TOTP, used: set[int]) -> str:
    """A code of a step the server accepts (±1) and has not seen yet."""
    now = int(time.time()) // 30
    step = min(s for s in (now - 1, now, now + 1) if s not in used and s > max(used, default=-1))
    used.add(step)
    return totp.generate_otp(step)


def _sign_in(page: Page, name: str) -> None:
    page.goto("/")
    expect(page.locator("#login-view")).to_be_visible()
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")


def test_security_view_sessions_totp_and_the_second_step(page: Page, site: Server) -> None:
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine: sign-ins hash argon2id
    name = f"sec{secrets.token_hex(3)}"
    site.add_user(name, "User", PASSWORD)
    with site.client() as client:  # a second device
        other = client.post(
            "/api/auth/login",
            json={"username": name, "password": PASSWORD},
            headers={"User-Agent": FIREFOX},
        )
        assert other.status_code == 200

    _sign_in(page, name)
    rows = page.locator("#session-rows tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#session-rows tr.current")).to_contain_text("This device")
    expect(rows.nth(1)).to_contain_text("Firefox on Linux")

    page.click("#revoke-others")
    notice(page, "Signed out everywhere else.")
    expect(rows).to_have_count(1)
    with site.client() as client:
        refused = client.post(
            "/api/auth/refresh-token", json={"refreshToken": other.json()["refreshToken"]}
        )
    assert refused.status_code == 401

    page.click("#totp-start")
    expect(page.locator(".qr svg")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text())
    used: set[int] = set()
    page.fill("#totp-code", "000000" if totp.now() != "000000" else "111111")
    page.click("#totp-confirm")
    notice(page, "Invalid code")
    page.fill("#totp-code", _fresh_code(totp, used))
    page.click("#totp-confirm")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    codes = page.locator("#recovery-codes code").all_inner_texts()
    ARTIFACTS.mkdir(exist_ok=True)  # docs/security-view.png is a copy of this one
    page.locator("#security-view").screenshot(path=ARTIFACTS / "security-view.png")
    shot(page, "security-totp-on")

    page.click("#sign-out")
    expect(page.locator("#login-view")).to_be_visible()
    _sign_in(page, name)
    expect(page.locator("#mfa-view")).to_be_visible()
    page.fill("#mfa-code", "999999" if totp.now() != "999999" else "888888")
    page.click("#mfa-submit")
    notice(page, "Invalid code")
    page.fill("#mfa-code", _fresh_code(totp, used))
    page.click("#mfa-submit")
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#user-name")).to_have_text(name)

    page.click("#sign-out")
    _sign_in(page, name)
    page.click("#mfa-use-recovery")
    page.fill("#mfa-code", codes[0])
    page.click("#mfa-submit")
    expect(page.locator("#app-view")).to_be_visible()
    shot(page, "security-recovery-sign-in")

    page.locator("#session-rows tr.current button").click()
    expect(page.locator("#login-view")).to_be_visible()
    notice(page, "You have signed out on this device.")
