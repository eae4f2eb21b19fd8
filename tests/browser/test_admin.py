"""The admin console in headless Chromium: an admin manages users, keys and the audit trail.

The console is reached as a person reaches it: sign in on ``/`` (cookie mode), follow
the "Admin console" link.  Access tokens live 3 seconds here, so the console's silent
refresh is exercised along the way.
"""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.passkeys.authenticator import SoftAuthenticator
from tests.servers import Server, ServerPool
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.db import Database
from ticketbooth.store.records import AuditEvent

from .conftest import (
    ARTIFACTS,
    SITE_ENV,
    TIMEOUT_MS,
    notice,
    shot,
    sign_in,
    wait_for_access_cookie_to_expire,
)

PASSWORD = "a long enough password for the console"


@pytest.fixture(scope="module")
def site(module_servers: ServerPool) -> Server:
    """Keys kept in the database (no TICKETBOOTH_SECRET_KEY), so they can be rotated."""
    return module_servers.start(settings={**SITE_ENV, "TICKETBOOTH_SECRET_KEY": ""})


@pytest.fixture(autouse=True)
def _patient_expect() -> None:
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded machine: sign-ins hash argon2id


def open_console(page: Page, name: str = "admin") -> None:
    """Sign in on the main page, then follow its link to the console."""
    sign_in(page, name)
    page.click("#admin-link")
    expect(page.locator("#users-view")).to_be_visible()
    expect(page.locator("#admin-name")).to_have_text(name)


def confirm(page: Page, typed: str | None = None) -> None:
    """Answer the console's confirmation dialog."""
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    if typed is not None:
        page.fill("#confirm-input", typed)
    page.click("#confirm-ok")
    expect(dialog).to_be_hidden()


def test_an_admin_finds_a_user_and_disables_them(page: Page, site: Server) -> None:
    site.add_user("carol", "User", PASSWORD, email="carol@example.org")
    refresh_token = site.login("carol")["refreshToken"]
    open_console(page)
    expect(page.locator("#status-database")).to_have_text("Database: ok")
    expect(page.locator("#status-chain")).to_contain_text("Audit chain: verified")

    page.fill("#user-query", "EXAMPLE.ORG")  # by email, any case
    page.click("#user-search button")
    rows = page.locator("#user-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("carol@example.org")
    shot(page, "admin-1-users")
    rows.first.get_by_role("button", name="carol").click()
    expect(page.locator("#detail-name")).to_have_text("carol")
    expect(page.locator("#session-rows tr")).to_have_count(1)

    page.click("#detail-toggle")
    confirm(page)
    notice(page, "carol is disabled and signed out everywhere.")
    expect(page.locator("#detail-facts")).to_contain_text("disabled")
    expect(page.locator("#session-rows tr")).to_have_count(0)
    shot(page, "admin-2-user-disabled")
    with site.client() as client:
        refused = client.post("/api/auth/refresh-token", json={"refreshToken": refresh_token})
    assert refused.status_code == 401
    assert refused.json() == {"message": "Invalid or expired refresh token"}

    page.click("#detail-toggle")  # enabling asks nothing
    notice(page, "carol is enabled.")
    page.click("#detail-delete")
    confirm(page, typed="carl")  # a slip: the server refuses, in words
    notice(page, "To delete a user, confirm with their username (confirm=carol)")
    page.click("#detail-delete")
    confirm(page, typed="carol")
    notice(page, "carol is deleted.")
    expect(page.locator("#users-view")).to_be_visible()
    assert site.cli("users", "list").stdout.count("carol") == 0


def test_an_admin_rotates_the_signing_key(page: Page, site: Server) -> None:
    open_console(page)
    page.click(".tab[data-view=keys]")
    active = page.locator(".lane[data-state=active] .key-card")
    expect(active).to_have_count(1)
    old_kid = str(active.first.get_attribute("data-kid"))
    upcoming = page.locator(".lane[data-state=next] .key-card").first
    upcoming_kid = str(upcoming.get_attribute("data-kid"))

    page.click("#rotate-key")
    confirm(page)
    notice(page, f"Rotated: key {upcoming_kid[:12]}… signs now.")
    expect(active.first).to_have_attribute("data-kid", upcoming_kid)
    retiring = page.locator(f".lane[data-state=retiring] .key-card[data-kid='{old_kid}']")
    expect(retiring).to_contain_text("Retires after")
    expect(page.locator("#status-key")).to_contain_text(upcoming_kid[:12])
    shot(page, "admin-3-keys")
    assert "key_rotated" in site.cli("audit", "tail", "--limit", "5").stdout


def seed_a_week_of_sign_ins(server: Server) -> datetime:
    """Append a week of sign-ins to the server's audit chain (as the service writes them);
    the hour 50 hours ago gets exactly 5 successes, 2 failures and 1 rate-limited."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    marked = now - timedelta(hours=50)
    shape = random.Random(18)  # noqa: S311 - the chart's shape, not a secret
    events = [("login", "success")] * 5 + [("login", "failure")] * 2 + [("rate_limited", "failure")]
    plan = [(marked, event) for event in events]
    for back in range(1, 7 * 24):
        hour = now - timedelta(hours=back)
        if hour == marked or not 7 <= hour.hour <= 20:
            continue
        plan += [(hour, ("login", "success"))] * shape.randint(1, 9)
        plan += [(hour, ("login", "failure"))] * shape.randint(0, 2)
    timed = sorted((hour + timedelta(minutes=shape.randint(0, 59)), e) for hour, e in plan)
    db = Database.from_url(server.database_url)
    try:
        log = SqlAuditLog(db)
        for at, (event, outcome) in timed:
            log.append(AuditEvent(at=at, event=event, outcome=outcome, username="john"))
    finally:
        db.dispose()
    return marked


def test_an_admin_filters_the_audit_trail_and_sees_the_chart(page: Page, site: Server) -> None:
    marked = seed_a_week_of_sign_ins(site)
    with site.client() as client:  # a failure to see in the chart
        client.post("/api/auth/login", json={"username": "john", "password": "wrong guess"})
    open_console(page)
    wait_for_access_cookie_to_expire(page)  # the next request refreshes silently
    page.click(".tab[data-view=audit]")
    chart = page.locator("#login-chart svg")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar-success").first).to_be_attached()
    expect(chart.locator("rect.bar-failure").first).to_be_attached()
    expect(page.locator("#chart-caption")).to_contain_text("sign-ins")
    hour = chart.locator(f"g.hour[data-hour='{marked.strftime('%Y-%m-%dT%H:%M:%SZ')}']")
    expect(hour.locator("title")).to_have_text(
        f"{marked.strftime('%-d %b %Y, %H:%M')} UTC: 5 succeeded, 2 failed, 1 rate-limited"
    )
    expect(hour.locator("rect")).to_have_count(3)

    page.fill("#filter-user", "john")
    page.select_option("#filter-outcome", "failure")
    page.click("#audit-apply")
    rows = page.locator("#audit-rows tr")
    expect(rows.first).to_contain_text("bad_password")
    outcomes = rows.locator("td:nth-child(4)").all_text_contents()
    users = rows.locator("td:nth-child(5)").all_text_contents()
    assert set(outcomes) == {"failure"} and set(users) == {"john"}, (outcomes, users)
    page.select_option("#filter-outcome", "")
    page.fill("#filter-user", "")
    page.select_option("#filter-event", "login")
    page.click("#audit-apply")
    expect(rows.first).to_have_attribute("data-event", "login")
    page.click("#verify-chain")
    notice(page, re.compile(r"^The audit chain is intact: \d+ rows verified\.$"))
    shot(page, "admin-4-audit")
    page.set_viewport_size({"width": 1040, "height": 880})
    page.evaluate("window.scrollTo(0, 0)")
    # the README's docs/console.png is a copy of this one (tests never write into docs/)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "console.png")


def test_a_user_sees_that_the_console_needs_the_admin_role(page: Page, site: Server) -> None:
    sign_in(page, "john")
    expect(page.locator("#admin-link")).to_be_hidden()
    response = page.goto("/admin")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("This page needs the Admin role")
    shot(page, "admin-5-refused")

    wait_for_access_cookie_to_expire(page)  # the server cannot tell: the page finds out
    response = page.goto("/admin")
    assert response is not None and response.status == 200
    expect(page.locator("#refused-view")).to_be_visible()
    expect(page.locator("#users-view")).to_be_hidden()


def test_without_a_session_the_console_says_to_sign_in(page: Page) -> None:
    page.goto("/admin")
    expect(page.locator("#signed-out-view")).to_be_visible()
    expect(page.locator("#tabs")).to_be_hidden()


def open_user(page: Page, name: str) -> None:
    """From anywhere in the console: the Users view, a search, the user's page."""
    page.click(".tab[data-view=users]")
    page.fill("#user-query", name)
    page.click("#user-search button")
    page.locator("#user-rows tr", has_text=name).get_by_role("button", name=name).click()
    expect(page.locator("#detail-name")).to_have_text(name)


def test_every_user_and_key_command_of_the_cli_from_the_console(page: Page, site: Server) -> None:
    open_console(page)
    # users add
    page.fill("#new-username", "dave")
    page.fill("#new-email", "dave@example.net")
    page.select_option("#new-role", "User")
    page.fill("#new-password", PASSWORD)
    page.click("#create-user-submit")
    notice(page, "Added dave.")
    site.passwords["dave"] = PASSWORD
    open_user(page, "dave")
    facts = page.locator("#detail-facts")
    expect(facts).to_contain_text("dave@example.net (confirmed)")

    # users set-role
    page.select_option("#detail-role", "Admin")
    page.click("#detail-set-role")
    confirm(page)
    notice(page, "dave now has the role Admin.")
    expect(facts).to_contain_text("Admin")

    # users set-password (signs dave out everywhere)
    page.fill("#detail-new-password", "a brand new passphrase, long enough")
    page.click("#detail-password button")
    confirm(page)
    notice(page, "The password of dave is changed; they are signed out everywhere.")
    site.passwords["dave"] = "a brand new passphrase, long enough"

    # users sessions: end one, then all
    held = [site.login("dave") for _ in range(3)]
    open_user(page, "dave")
    sessions = page.locator("#session-rows tr")
    expect(sessions).to_have_count(3)
    sessions.first.get_by_role("button", name="End").click()
    confirm(page)
    notice(page, "The session has ended.")
    expect(sessions).to_have_count(2)
    page.click("#detail-end-all")
    confirm(page)
    notice(page, "Every session of dave has ended.")
    expect(sessions).to_have_count(0)
    with site.client() as client:
        for tokens in held:
            refused = client.post(
                "/api/auth/refresh-token", json={"refreshToken": tokens["refreshToken"]}
            )
            assert refused.status_code == 401

    # users revoke (sign out everywhere)
    again = site.login("dave")
    page.click("#detail-sign-out")
    confirm(page)
    notice(page, "dave is signed out everywhere.")
    with site.client() as client:
        refused = client.post(
            "/api/auth/refresh-token", json={"refreshToken": again["refreshToken"]}
        )
    assert refused.status_code == 401

    # users reset-mfa
    enable_totp(site, "dave")
    open_user(page, "dave")
    expect(facts).to_contain_text("TOTP on")
    page.click("#detail-reset-mfa")
    confirm(page)
    notice(page, "Two-step verification of dave is reset.")
    expect(facts).not_to_contain_text("TOTP on")
    shot(page, "admin-6-user-detail")

    # users remove-passkeys (a lost phone)
    add_passkey(site, "dave")
    add_passkey(site, "dave")
    open_user(page, "dave")
    passkeys = page.locator("#detail-facts dt:text-is('Passkeys') + dd")
    expect(passkeys).to_have_text("2")
    page.click("#detail-remove-passkeys")
    confirm(page)
    notice(page, "The passkeys of dave are removed, and the sessions they signed in ended.")
    expect(passkeys).to_have_text("0")
    expect(page.locator("#detail-remove-passkeys")).to_be_disabled()

    # keys generate, then retire the key it replaced
    page.click(".tab[data-view=keys]")
    before = str(page.locator(".lane[data-state=active] .key-card").first.get_attribute("data-kid"))
    page.click("#generate-key")
    confirm(page)
    notice(page, re.compile(r"^Generated HS256 key .+; it signs now\.$"))
    retiring = page.locator(f".lane[data-state=retiring] .key-card[data-kid='{before}']")
    expect(retiring).to_be_visible()
    retiring.get_by_role("button", name=f"Retire key {before}").click()
    confirm(page)
    notice(page, f"Key {before[:12]}… is retired.")
    expect(
        page.locator(f".lane[data-state=retired] .key-card[data-kid='{before}']")
    ).to_be_visible()

    # every change named the admin who made it
    tail = site.cli("audit", "tail", "--limit", "40").stdout
    for event in (
        "user_created", "role_changed", "password_changed", "session_revoked",
        "sessions_revoked", "access_revoked", "mfa_reset", "passkeys_deleted",
        "key_generated", "key_retired",
    ):  # fmt: skip
        assert any(event in line and '"admin":"admin"' in line for line in tail.splitlines()), event


def add_passkey(server: Server, name: str) -> None:
    """Register a passkey for ``name`` through the API, as their browser would."""
    headers = {"Authorization": f"Bearer {server.token(name)}"}
    origin = server.env.get("TICKETBOOTH_PUBLIC_URL", "http://127.0.0.1:8000")
    with server.client() as client:
        options = client.post("/api/auth/passkeys/register/options", headers=headers).json()
        credential = SoftAuthenticator(origin).create(options)
        registered = client.post(
            "/api/auth/passkeys/register",
            json={"name": "Phone", "credential": credential},
            headers=headers,
        )
    assert registered.status_code == 201, registered.text


def enable_totp(server: Server, name: str) -> None:
    """Turn on TOTP for ``name`` through the API, as their authenticator app would."""
    access = server.token(name)
    headers = {"Authorization": f"Bearer {access}"}
    with server.client() as client:
        secret = client.post("/api/auth/mfa/totp/setup", headers=headers).json()["secret"]
        code = pyotp.TOTP(secret).at(time.time())
        confirmed = client.post("/api/auth/mfa/totp/confirm", json={"code": code}, headers=headers)
    assert confirmed.status_code == 200, confirmed.text
