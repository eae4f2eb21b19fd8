"""Cookie mode over real server processes: the cookies, CSRF, refresh, logout, grace window.

The client's jar plays the browser's (it honours ``Path``); a stale or stolen jar is sent
by hand with an explicit ``Cookie`` header.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.http.helpers import INVALID_REFRESH, assert_no_token, bearer
from tests.servers import PASSWORDS, Server, ServerFactory, ServerPool

from .helpers import (
    ACCESS,
    CSRF,
    CSRF_REFUSED,
    PROFILE_FIELDS,
    REFRESH,
    assert_cleared,
    cookie_header,
    cookie_login,
    csrf_header,
    jar,
    set_cookies,
)

GRACE_SECONDS = 30
# What another site can make a browser send: a plain form, a text/plain form that looks
# like JSON, and (with a lax CORS policy) JSON itself.
FORGED_BODIES = [
    pytest.param("application/x-www-form-urlencoded", "name=Forged&price=1", id="form"),
    pytest.param("text/plain", '{"name": "Forged", "price": 1}', id="text-plain-json"),
    pytest.param("application/json", '{"name": "Forged", "price": 1}', id="json"),
]
CROSS_SITE = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


@pytest.fixture(scope="module")
def cookie_server(module_servers: ServerPool, engine_name: str) -> Server:
    """Plain-HTTP cookies (for 127.0.0.1) and a 30-second grace window."""
    return module_servers.start(
        engine=engine_name,
        settings={
            "TICKETBOOTH_COOKIE_SECURE": "0",
            "TICKETBOOTH_REFRESH_GRACE_SECONDS": str(GRACE_SECONDS),
        },
    )


@pytest.fixture
def browser(cookie_server: Server) -> Iterator[httpx.Client]:
    """A client with an empty cookie jar."""
    with cookie_server.client() as client:
        yield client


@pytest.fixture
def admin(browser: httpx.Client) -> httpx.Client:
    """The jar of a signed-in admin."""
    assert cookie_login(browser, "admin").status_code == 200
    return browser


def product_names(client: httpx.Client) -> list[str]:
    response = client.get("/api/products")
    assert response.status_code == 200, response.text
    return [product["name"] for product in response.json()]


# -- login ------------------------------------------------------------------------------


def test_cookie_login_answers_the_profile_and_no_token(browser: httpx.Client) -> None:
    response = cookie_login(browser, "john")

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == PROFILE_FIELDS
    assert (body["userName"], body["role"]) == ("john", "User")
    assert body["userId"].isdigit()
    assert 3590 <= body["expiresIn"] <= 3600
    assert body["csrfToken"] == browser.cookies[CSRF]
    cookies = jar(response)
    for token in (cookies[ACCESS], cookies[REFRESH]):
        assert token not in response.text


def test_cookie_login_sets_three_strict_cookies(browser: httpx.Client) -> None:
    cookies = set_cookies(cookie_login(browser, "john"))

    assert set(cookies) == {ACCESS, REFRESH, CSRF}
    access, refresh, csrf = cookies[ACCESS], cookies[REFRESH], cookies[CSRF]
    assert (access["httponly"], access["path"], access["samesite"]) == (True, "/", "strict")
    assert (refresh["httponly"], refresh["path"]) == (True, "/api/auth")
    assert refresh["samesite"] == "strict"
    assert (csrf["httponly"], csrf["path"], csrf["samesite"]) == ("", "/", "strict")
    assert 3590 <= int(access["max-age"]) <= 3600
    assert int(refresh["max-age"]) == int(csrf["max-age"]) == 7 * 86400
    assert not any(morsel["secure"] for morsel in cookies.values())  # http://127.0.0.1


def test_cookies_stay_secure_off_loopback_even_when_switched_off(browser: httpx.Client) -> None:
    off_loopback = browser.post(
        "/api/auth/login",
        json={"username": "john", "password": PASSWORDS["john"], "useCookies": True},
        headers={"Host": "auth.example.com"},
    )

    assert off_loopback.status_code == 200, off_loopback.text
    assert all(morsel["secure"] for morsel in set_cookies(off_loopback).values())


@pytest.mark.parametrize(
    "proxy",
    [
        {"X-Forwarded-For": "203.0.113.9"},
        {"X-Forwarded-Proto": "http"},
        {"Forwarded": "for=203.0.113.9;proto=http"},
    ],
    ids=["x-forwarded-for", "x-forwarded-proto", "forwarded"],
)
def test_cookies_stay_secure_through_a_proxy_even_when_switched_off(
    browser: httpx.Client, proxy: dict[str, str]
) -> None:
    response = browser.post(
        "/api/auth/login",
        json={"username": "john", "password": PASSWORDS["john"], "useCookies": True},
        headers=proxy,  # a proxy on this machine, forwarding for a browser elsewhere
    )

    assert response.status_code == 200, response.text
    assert all(morsel["secure"] for morsel in set_cookies(response).values())


def test_cookies_are_secure_by_default(server: Server) -> None:
    with server.client() as client:
        cookies = set_cookies(cookie_login(client, "john"))

    assert set(cookies) == {ACCESS, REFRESH, CSRF}
    assert all(morsel["secure"] for morsel in cookies.values())


def test_without_use_cookies_the_login_is_unchanged(browser: httpx.Client) -> None:
    response = browser.post(
        "/api/auth/login", json={"username": "john", "password": PASSWORDS["john"]}
    )

    assert response.status_code == 200
    assert "accessToken" in response.json()
    assert not response.headers.get_list("set-cookie")


def test_use_cookies_must_be_a_boolean(browser: httpx.Client) -> None:
    response = browser.post(
        "/api/auth/login",
        json={"username": "john", "password": PASSWORDS["john"], "useCookies": "yes"},
    )

    assert response.status_code == 422
    assert not response.headers.get_list("set-cookie")


# -- protected routes and CSRF ----------------------------------------------------------


def test_the_access_cookie_authenticates_reads_without_csrf(admin: httpx.Client) -> None:
    response = admin.get("/api/products/my-info")

    assert response.status_code == 200, response.text
    assert response.json()["userName"] == "admin"


@pytest.mark.parametrize(("content_type", "body"), FORGED_BODIES)
def test_a_cross_site_post_without_the_csrf_header_is_403(
    admin: httpx.Client, content_type: str, body: str
) -> None:
    before = product_names(admin)
    headers = {**CROSS_SITE, "Content-Type": content_type}

    response = admin.post("/api/products", headers=headers, content=body)

    assert response.status_code == 403, response.text
    assert response.json() == CSRF_REFUSED
    assert product_names(admin) == before


def test_the_same_post_with_the_csrf_header_succeeds(admin: httpx.Client) -> None:
    response = admin.post(
        "/api/products", json={"name": "Stapler", "price": 7.5}, headers=csrf_header(admin)
    )

    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Stapler"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"X-CSRF-Token": "not-the-cookie"}, id="wrong"),
        pytest.param({"X-CSRF-Token": ""}, id="empty"),
        pytest.param({"X-CSRF-Token-Other": "x"}, id="absent"),
    ],
)
def test_a_wrong_csrf_header_is_403(admin: httpx.Client, header: dict[str, str]) -> None:
    response = admin.post("/api/products", json={"name": "Nope", "price": 1}, headers=header)

    assert response.status_code == 403
    assert response.json() == CSRF_REFUSED


def test_a_header_matching_no_csrf_cookie_is_403(browser: httpx.Client) -> None:
    cookies = jar(cookie_login(browser, "admin"))

    with httpx.Client(base_url=browser.base_url) as fresh:  # a jar without the csrf cookie
        response = fresh.post(
            "/api/products",
            json={"name": "Nope", "price": 1},
            headers={**cookie_header(access_token=cookies[ACCESS]), "X-CSRF-Token": ""},
        )

    assert response.status_code == 403
    assert response.json() == CSRF_REFUSED


def test_delete_by_cookie_needs_the_csrf_header(admin: httpx.Client) -> None:
    created = admin.post(
        "/api/products", json={"name": "Eraser", "price": 1}, headers=csrf_header(admin)
    ).json()

    refused = admin.delete(f"/api/products/{created['id']}", headers=CROSS_SITE)
    deleted = admin.delete(f"/api/products/{created['id']}", headers=csrf_header(admin))

    assert refused.status_code == 403
    assert deleted.status_code == 204


def test_bearer_requests_need_no_csrf_even_beside_cookies(
    admin: httpx.Client, cookie_server: Server
) -> None:
    token = cookie_server.token("admin")

    response = admin.post(
        "/api/products", json={"name": "Ruler", "price": 2}, headers=bearer(token)
    )

    assert response.status_code == 201, response.text


def test_another_authorization_scheme_does_not_fall_back_to_the_cookie(
    admin: httpx.Client,
) -> None:
    response = admin.get("/api/products/my-info", headers={"Authorization": "Basic YTpi"})

    assert_no_token(response)


def test_a_forged_access_cookie_is_an_invalid_token(browser: httpx.Client) -> None:
    response = browser.get("/api/products/my-info", headers=cookie_header(access_token="x.y.z"))

    assert response.status_code == 401
    assert response.json() == {"message": "The token is malformed"}


# -- refresh and logout from cookies alone ----------------------------------------------


def test_refresh_from_cookies_alone_rotates_them(browser: httpx.Client) -> None:
    first = jar(cookie_login(browser, "john"))

    response = browser.post("/api/auth/refresh-token", headers=csrf_header(browser))

    assert response.status_code == 200, response.text
    assert set(response.json()) == PROFILE_FIELDS
    second = jar(response)
    assert set(second) == {ACCESS, REFRESH, CSRF}
    assert second[REFRESH] != first[REFRESH]
    assert second[CSRF] == first[CSRF]  # one CSRF value per login: every tab keeps working
    assert browser.get("/api/products/my-info").json()["userName"] == "john"


def test_refresh_from_cookies_needs_the_csrf_header(browser: httpx.Client) -> None:
    cookie_login(browser, "john")

    refused = browser.post("/api/auth/refresh-token", headers=CROSS_SITE)
    allowed = browser.post("/api/auth/refresh-token", headers=csrf_header(browser))

    assert refused.status_code == 403
    assert refused.json() == CSRF_REFUSED
    assert allowed.status_code == 200  # the refused attempt did not rotate the token


def test_refresh_with_neither_body_nor_cookie_is_still_422(browser: httpx.Client) -> None:
    response = browser.post("/api/auth/refresh-token")

    assert response.status_code == 422
    assert response.json() == {"message": "body: Field required"}


def test_a_body_wins_over_the_cookie(browser: httpx.Client, cookie_server: Server) -> None:
    cookie_login(browser, "john")
    refresh_token = str(cookie_server.login("john")["refreshToken"])

    response = browser.post("/api/auth/refresh-token", json={"refreshToken": refresh_token})

    assert response.status_code == 200
    assert "refreshToken" in response.json()
    assert not response.headers.get_list("set-cookie")


def test_logout_from_cookies_revokes_and_clears_them(browser: httpx.Client) -> None:
    cookies = jar(cookie_login(browser, "john"))

    response = browser.post("/api/auth/logout", headers=csrf_header(browser))

    assert response.status_code == 204
    assert_cleared(response)
    assert ACCESS not in browser.cookies and REFRESH not in browser.cookies
    replay = browser.post(
        "/api/auth/refresh-token",
        headers={
            **cookie_header(refresh_token=cookies[REFRESH], csrf=cookies[CSRF]),
            "X-CSRF-Token": cookies[CSRF],
        },
    )
    assert replay.status_code == 401
    assert replay.json() == INVALID_REFRESH
    assert_cleared(replay)


def test_logout_from_cookies_needs_the_csrf_header(browser: httpx.Client) -> None:
    cookie_login(browser, "john")

    response = browser.post("/api/auth/logout", headers=CROSS_SITE)

    assert response.status_code == 403
    assert browser.get("/api/products/my-info").status_code == 200


def test_a_bearer_logout_sets_no_cookies(cookie_server: Server, browser: httpx.Client) -> None:
    response = browser.post("/api/auth/logout", headers=bearer(cookie_server.token("john")))

    assert response.status_code == 204
    assert not response.headers.get_list("set-cookie")


# -- two tabs, one refresh token: the grace window --------------------------------------


def _refresh_with(client: httpx.Client, refresh_token: str, csrf: str) -> httpx.Response:
    """A refresh from a jar holding ``refresh_token`` (a tab that has not seen the new one)."""
    return client.post(
        "/api/auth/refresh-token",
        headers={**cookie_header(refresh_token=refresh_token, csrf=csrf), "X-CSRF-Token": csrf},
    )


def test_the_late_tab_inside_the_window_gets_an_access_cookie_only(
    browser: httpx.Client, cookie_server: Server
) -> None:
    login = jar(cookie_login(browser, "john"))
    with cookie_server.client() as other:
        winner = _refresh_with(other, login[REFRESH], login[CSRF])
        late = _refresh_with(other, login[REFRESH], login[CSRF])

    assert winner.status_code == late.status_code == 200, late.text
    assert set(jar(winner)) == {ACCESS, REFRESH, CSRF}
    assert set(jar(late)) == {ACCESS}  # no second live refresh token reaches the jar
    assert set(late.json()) == PROFILE_FIELDS
    follow_up = _refresh_with(browser, jar(winner)[REFRESH], login[CSRF])
    assert follow_up.status_code == 200  # the winner's successor is still the live one


def test_the_bearer_api_stays_strict_inside_the_window(browser: httpx.Client) -> None:
    pair = browser.post(
        "/api/auth/login", json={"username": "john", "password": PASSWORDS["john"]}
    ).json()
    rotated = browser.post("/api/auth/refresh-token", json={"refreshToken": pair["refreshToken"]})
    assert rotated.status_code == 200

    replay = browser.post("/api/auth/refresh-token", json={"refreshToken": pair["refreshToken"]})
    newest = browser.post(
        "/api/auth/refresh-token", json={"refreshToken": rotated.json()["refreshToken"]}
    )

    assert replay.status_code == 401
    assert newest.status_code == 401  # the family is revoked, newest included


def test_replaying_the_old_refresh_cookie_after_the_window_revokes_the_family(
    server_factory: ServerFactory,
) -> None:
    srv = server_factory(
        settings={"TICKETBOOTH_COOKIE_SECURE": "0", "TICKETBOOTH_REFRESH_GRACE_SECONDS": "1"},
        users={"john": ("User", PASSWORDS["john"])},
    )
    with srv.client() as client:
        login = jar(cookie_login(client, "john"))
        winner = jar(_refresh_with(client, login[REFRESH], login[CSRF]))
        time.sleep(1.5)  # past the one-second window

        replay = _refresh_with(client, login[REFRESH], login[CSRF])
        successor = _refresh_with(client, winner[REFRESH], login[CSRF])

    assert replay.status_code == 401
    assert replay.json() == INVALID_REFRESH
    assert_cleared(replay)
    assert successor.status_code == 401  # theft: the whole family is revoked
