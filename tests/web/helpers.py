"""Helpers for the cookie-mode tests: log in with cookies, read Set-Cookie, send a jar by hand."""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie

import httpx

from tests.servers import PASSWORDS

ACCESS, REFRESH, CSRF = "access_token", "refresh_token", "csrf"
CSRF_REFUSED = {
    "message": (
        "Missing or invalid CSRF token: send the csrf cookie's value in the X-CSRF-Token header"
    )
}
PROFILE_FIELDS = {"userId", "userName", "role", "expiresIn", "csrfToken"}


def cookie_login(client: httpx.Client, name: str, password: str | None = None) -> httpx.Response:
    """POST /api/auth/login in cookie mode; the client's jar takes the cookies."""
    return client.post(
        "/api/auth/login",
        json={"username": name, "password": password or PASSWORDS[name], "useCookies": True},
    )


def set_cookies(response: httpx.Response) -> dict[str, Morsel[str]]:
    """Every Set-Cookie of ``response``, by cookie name, with its attributes."""
    found: dict[str, Morsel[str]] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        found.update(jar)
    return found


def jar(response: httpx.Response) -> dict[str, str]:
    """The values a cookie-mode response put in the jar."""
    return {name: morsel.value for name, morsel in set_cookies(response).items()}


def cookie_header(**cookies: str) -> dict[str, str]:
    """A ``Cookie`` header, for sending a chosen (say, stolen or stale) jar."""
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items())}


def csrf_header(client: httpx.Client) -> dict[str, str]:
    """The ``X-CSRF-Token`` header a page would build from the jar's ``csrf`` cookie."""
    return {"X-CSRF-Token": client.cookies[CSRF]}


def assert_cleared(response: httpx.Response) -> None:
    """The response expires all three cookie-mode cookies."""
    cookies = set_cookies(response)
    assert set(cookies) == {ACCESS, REFRESH, CSRF}
    for morsel in cookies.values():
        assert morsel.value == ""
        assert morsel["max-age"] == "0"
