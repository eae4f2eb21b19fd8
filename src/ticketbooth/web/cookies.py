"""Cookie mode: the same tokens carried by the browser's cookie jar, with CSRF protection.

How the token travels, never what it is: the access token in the cookie is the very JWT a
bearer client gets, and :class:`~ticketbooth.tokens.TokenValidator` checks it the same way.

A login with ``{"useCookies": true}`` sets three cookies, all ``SameSite=Strict``:

==================  ==============================  ========  ============  ================
cookie              holds                           HttpOnly  Path          Max-Age
==================  ==============================  ========  ============  ================
``access_token``    the access token (a JWT)        yes       ``/``         access lifetime
``refresh_token``   the refresh token               yes       ``/api/auth`` refresh lifetime
``csrf``            a random value for this login   no        ``/``         refresh lifetime
==================  ==============================  ========  ============  ================

JavaScript never sees the two tokens (``HttpOnly``), so an XSS bug cannot carry them off.
Because the browser attaches the cookies by itself, every state-changing request that is
authenticated by cookie must also echo the ``csrf`` cookie in an ``X-CSRF-Token`` header
(the double-submit pattern): another site can make the browser *send* the cookies, but it
cannot *read* them to build the header.  ``SameSite=Strict`` already keeps the cookies off
cross-site requests in current browsers; the header is the second, independent lock.

Cookies are ``Secure`` unless ``cookie_secure`` is switched off, and even then only on a
request to a loopback host (``localhost``, ``127.0.0.1``, ``::1``) that no proxy forwarded:
plain-HTTP cookies are for a developer's own machine, never for a network.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from fastapi.responses import Response

from .. import httpauth
from .._net import is_loopback
from ..httpauth import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER

REFRESH_COOKIE = "refresh_token"
REFRESH_PATH = "/api/auth"
"""The refresh cookie goes only to the auth routes (refresh and logout), never elsewhere."""

PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto")

R = TypeVar("R", bound=Response)


@dataclass(frozen=True, slots=True)
class Session:
    """What a cookie-mode login or refresh puts in the jar.

    Attributes:
        access_token: the new access token.
        access_max_age: seconds the access cookie lives (the token's own lifetime).
        csrf_token: the login's CSRF value (kept across refreshes, so tabs agree).
        refresh_token: the new refresh token, or None to leave the jar's one in place
            (a refresh inside the grace window: the jar already holds the live successor).
        refresh_max_age: seconds the refresh and CSRF cookies live.
    """

    access_token: str
    access_max_age: int
    csrf_token: str
    refresh_token: str | None = None
    refresh_max_age: int = 0

    def __repr__(self) -> str:
        return f"Session(access_max_age={self.access_max_age})"


def new_csrf_token() -> str:
    """A fresh CSRF value for a new login (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def is_secure(request: Request, *, cookie_secure: bool) -> bool:
    """Whether cookies set in answer to ``request`` carry ``Secure``.

    Always, unless ``cookie_secure`` is off *and* the request names a loopback host *and*
    came straight from the browser: a request a proxy forwarded (it says so in
    ``Forwarded`` or ``X-Forwarded-*``) may name localhost on behalf of the internet.
    """
    if cookie_secure or not is_loopback(request.url.hostname or ""):
        return True
    return any(name in request.headers for name in PROXY_HEADERS)


def access_cookie_token(request: Request) -> str:
    """The access token of the access cookie, CSRF-checked for unsafe methods.

    Called by ``require_user`` only when the request has no ``Authorization`` header.

    Raises:
        MissingTokenError: no access cookie (401, ``WWW-Authenticate: Bearer``).
        CsrfError: a state-changing request without the matching ``X-CSRF-Token`` (403).
    """
    return httpauth.cookie_token(request.method, request.cookies, request.headers.get(CSRF_HEADER))


def check_csrf(request: Request) -> str:
    """The request's CSRF value, when the header matches the cookie (constant-time).

    Raises:
        CsrfError: the cookie or the header is missing, or they differ.
    """
    return httpauth.check_csrf(request.cookies.get(CSRF_COOKIE), request.headers.get(CSRF_HEADER))


def has_session_cookies(request: Request) -> bool:
    """Whether the request carries any cookie-mode cookie (so an answer should clear them)."""
    cookies = request.cookies
    return ACCESS_COOKIE in cookies or REFRESH_COOKIE in cookies or CSRF_COOKIE in cookies


def set_session(response: R, session: Session, *, secure: bool) -> R:
    """Put ``session`` in the browser's jar (see the table in the module docstring)."""
    response.set_cookie(
        ACCESS_COOKIE,
        session.access_token,
        max_age=max(1, session.access_max_age),
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    if session.refresh_token is not None:
        refresh_max_age = max(1, session.refresh_max_age)
        response.set_cookie(
            REFRESH_COOKIE,
            session.refresh_token,
            max_age=refresh_max_age,
            path=REFRESH_PATH,
            secure=secure,
            httponly=True,
            samesite="strict",
        )
        response.set_cookie(
            CSRF_COOKIE,
            session.csrf_token,
            max_age=refresh_max_age,
            path="/",
            secure=secure,
            httponly=False,  # the page reads it to echo it in X-CSRF-Token
            samesite="strict",
        )
    return response


def clear_session(response: R, *, secure: bool) -> R:
    """Expire every cookie-mode cookie (after logout, or when a refresh is refused)."""
    for name, path, httponly in (
        (ACCESS_COOKIE, "/", True),
        (REFRESH_COOKIE, REFRESH_PATH, True),
        (CSRF_COOKIE, "/", False),
    ):
        response.delete_cookie(name, path=path, secure=secure, httponly=httponly, samesite="strict")
    return response
