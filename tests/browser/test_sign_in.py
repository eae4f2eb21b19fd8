"""The sign-in page in headless Chromium: cookie mode end to end, as a person uses it."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Response, Route, expect

from tests.servers import PASSWORDS, Server, ServerFactory

from .conftest import (
    assert_no_token_reaches_javascript,
    bearer_logout,
    jar,
    new_context,
    notice,
    shot,
    sign_in,
    wait_for_access_cookie_to_expire,
)

# What a script on the page could try by hand: the page's own fetch, CSRF header
# included, refreshing once on 401 as the page does.
FETCH = """async ([method, path, body]) => {
    const csrf = () => (document.cookie.match(/(?:^|; )csrf=([^;]*)/) || [])[1] || "";
    const send = () => fetch(path, {
        method,
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
        body: body === null ? undefined : JSON.stringify(body),
    });
    let response = await send();
    if (response.status === 401) {
        await fetch("/api/auth/refresh-token", {method: "POST", headers: {"X-CSRF-Token": csrf()}});
        response = await send();
    }
    return [response.status, await response.text()];
}"""


def product_row(page: Page, name: str) -> Any:
    return page.locator("#product-rows tr", has_text=name)


def is_product_list(response: Response) -> bool:
    """A successful GET /api/products (after any silent refresh)."""
    return (
        response.url.endswith("/api/products")
        and response.request.method == "GET"
        and response.status == 200
    )


def live_refresh_tokens(server: Server, refresh_token: str) -> int:
    """Live refresh tokens in the family of ``refresh_token``, read from the database."""
    digest = hashlib.sha256(refresh_token.encode()).hexdigest()
    with sqlite3.connect(server.workdir / "ticketbooth.db") as db:
        (count,) = db.execute(
            "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL AND family_id ="
            " (SELECT family_id FROM refresh_tokens WHERE token_hash = ?)",
            (digest,),
        ).fetchone()
    return int(count)


def test_an_admin_signs_in_creates_and_deletes_a_product(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#login-view")).to_be_visible()
    shot(page, "1-sign-in")

    sign_in(page, "admin")
    expect(page.locator("#user-role")).to_have_text("Admin")
    expect(product_row(page, "Laptop")).to_contain_text("$999.99")
    page.fill("#product-name", "Desk lamp")
    page.fill("#product-price", "39.9")
    page.click("#create")

    notice(page, "Added Desk lamp.")
    expect(product_row(page, "Desk lamp")).to_contain_text("$39.90")
    shot(page, "2-signed-in-admin")
    page.get_by_role("button", name="Delete Desk lamp").click()
    notice(page, "Deleted Desk lamp.")
    expect(product_row(page, "Desk lamp")).to_have_count(0)
    assert_no_token_reaches_javascript(page)


def test_a_user_sees_no_admin_controls_and_the_api_refuses_them(page: Page) -> None:
    sign_in(page, "john")

    expect(page.locator("#user-role")).to_have_text("User")
    expect(product_row(page, "Coffee mug")).to_contain_text("$12.00")
    expect(page.locator("#create-form")).to_be_hidden()
    expect(page.locator("button.delete")).to_have_count(0)
    shot(page, "3-signed-in-user")
    create = page.evaluate(FETCH, ["POST", "/api/products", {"name": "Sneaky", "price": 1}])
    delete = page.evaluate(FETCH, ["DELETE", "/api/products/1", None])
    assert create == [403, '{"message":"This requires the role Admin"}']
    assert delete[0] == 403
    assert_no_token_reaches_javascript(page)


def test_a_wrong_password_says_so(page: Page) -> None:
    page.goto("/")
    page.fill("#username", "admin")
    page.fill("#password", "not the password")
    page.click("#sign-in")

    notice(page, "Wrong username or password.")
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#password")).to_have_value("")
    shot(page, "4-wrong-password")


def test_the_rate_limit_says_when_to_try_again(page: Page) -> None:
    page.goto("/")
    page.fill("#username", "mallory")  # unknown names count the same; the limit is 3
    for _ in range(3):
        page.fill("#password", "guess")
        with page.expect_response("**/api/auth/login") as answer:
            page.click("#sign-in")
        assert answer.value.status == 401

    page.fill("#password", "guess")
    with page.expect_response("**/api/auth/login") as answer:
        page.click("#sign-in")

    assert answer.value.status == 429
    notice(page, re.compile(r"^Too many failed sign-in attempts\. Try again in \d+ minutes\.$"))
    shot(page, "5-rate-limited")


def test_an_action_after_the_access_cookie_expired_works_through_silent_refresh(
    page: Page,
) -> None:
    sign_in(page, "admin")
    before = jar(page.context)
    wait_for_access_cookie_to_expire(page)

    with page.expect_response("**/api/auth/refresh-token") as refreshed:
        page.fill("#product-name", "Notebook")
        page.fill("#product-price", "4.5")
        page.click("#create")

    assert refreshed.value.status == 200
    notice(page, "Added Notebook.")
    expect(product_row(page, "Notebook")).to_be_visible()
    after = jar(page.context)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["access_token"] != before["access_token"]
    assert_no_token_reaches_javascript(page)
    shot(page, "6-after-silent-refresh")
    page.get_by_role("button", name="Delete Notebook").click()
    notice(page, "Deleted Notebook.")


def test_a_session_ended_elsewhere_says_it_expired(page: Page, site: Server) -> None:
    sign_in(page, "john")
    bearer_logout(site, "john")  # every refresh token of john is revoked
    wait_for_access_cookie_to_expire(page)

    page.click("#reload")

    notice(page, "Your session has expired. Please sign in again.")
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#account")).to_be_hidden()
    assert "refresh_token" not in jar(page.context)  # the refused refresh emptied the jar
    shot(page, "7-session-expired")


def test_two_tabs_refreshing_at_the_same_moment_stay_signed_in(
    context: BrowserContext, site: Server
) -> None:
    first = context.new_page()
    sign_in(first, "admin")
    second = context.new_page()
    second.goto("/")
    expect(second.locator("#user-name")).to_have_text("admin")
    wait_for_access_cookie_to_expire(first)
    # Hold each tab's refresh until both are in flight: both carry the same refresh
    # cookie, and the server sees them at the same moment.
    held: list[Route] = []
    refreshes: list[Response] = []

    def hold(route: Route) -> None:
        held.append(route)
        if len(held) == 2:
            for request in held:
                request.continue_()

    def record(response: Response) -> None:
        if response.url.endswith("/api/auth/refresh-token"):
            refreshes.append(response)

    context.route("**/api/auth/refresh-token", hold)
    for tab in (first, second):
        tab.on("response", record)
    with first.expect_response(is_product_list), second.expect_response(is_product_list):
        first.click("#reload")
        second.click("#reload")
    context.unroute("**/api/auth/refresh-token")

    assert len(held) == 2
    answers = [
        (r.status, "refresh_token=" in (r.header_value("set-cookie") or "")) for r in refreshes
    ]
    assert sorted(answers) == [(200, False), (200, True)]  # the late tab got access only
    for tab in (first, second):
        expect(tab.locator("#notice")).to_be_hidden()
        expect(tab.locator("#user-name")).to_have_text("admin")
    assert live_refresh_tokens(site, jar(context)["refresh_token"]) == 1
    with second.expect_response(is_product_list) as again:
        second.click("#reload")
    assert again.value.status == 200
    assert_no_token_reaches_javascript(second)
    shot(second, "8-two-tabs")


def test_signing_out_ends_the_session_and_the_old_cookies_are_refused(
    chromium: Browser, server_factory: ServerFactory
) -> None:
    server = server_factory(
        settings={"TICKETBOOTH_REVOKE_ACCESS": "1"},  # logout also ends the access tokens
        users={"john": ("User", PASSWORDS["john"])},
    )
    context = new_context(chromium, server)
    page = context.new_page()
    sign_in(page, "john")
    old = jar(context)
    assert_no_token_reaches_javascript(page)

    page.click("#sign-out")

    notice(page, "You have signed out.")
    expect(page.locator("#login-view")).to_be_visible()
    shot(page, "9-signed-out")
    assert not {"access_token", "refresh_token", "csrf"} & set(jar(context))
    page.reload()
    expect(page.locator("#login-view")).to_be_visible()
    context.close()
    stolen = {"Cookie": "; ".join(f"{name}={value}" for name, value in old.items())}
    with server.client() as client:
        me = client.get("/api/products/my-info", headers=stolen)
        refresh = client.post(
            "/api/auth/refresh-token", headers={**stolen, "X-CSRF-Token": old["csrf"]}
        )
    assert me.status_code == 401
    assert refresh.status_code == 401
    assert refresh.json() == {"message": "Invalid or expired refresh token"}


def test_a_cross_site_form_post_carries_no_cookie(page: Page, site: Server) -> None:
    sign_in(page, "admin")
    # A page of another site posts a JSON-looking text/plain form at the API, the classic
    # CSRF: SameSite=Strict keeps the cookies at home, before the CSRF check is even needed.
    field = '{"name": "Forged", "price": 1, "x": "'
    form = (
        f'<form method="post" action="{site.base_url}/api/products" enctype="text/plain">'
        f"<input name='{field}' value='\"}}'></form>"
    )
    page.goto("data:text/html," + form)

    with page.expect_response(f"{site.base_url}/api/products") as answer:
        page.evaluate("document.forms[0].submit()")
    page.wait_for_url(f"{site.base_url}/api/products")

    assert answer.value.status == 401  # no cookie came along: not even authenticated
    page.goto("/")
    expect(page.locator("#user-name")).to_have_text("admin")  # still signed in here
    expect(product_row(page, "Forged")).to_have_count(0)
