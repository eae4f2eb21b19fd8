"""The sign-in page at ``/``: plain HTML, CSS and JavaScript from ``web/static/``.

The page uses cookie mode only, so no token ever reaches its JavaScript.  It is served
with a Content-Security-Policy that allows scripts, styles and requests from this origin
alone and no inline script: even a markup-injection bug could not run code on it.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from ..errors import NotFoundError

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "request.js": "text/javascript; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "security.js": "text/javascript; charset=utf-8",
    "accounts.js": "text/javascript; charset=utf-8",
    "passkeys.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "admin.html": "text/html; charset=utf-8",
    "needs-admin.html": "text/html; charset=utf-8",
    "admin.js": "text/javascript; charset=utf-8",
    "admin-users.js": "text/javascript; charset=utf-8",
    "admin-keys.js": "text/javascript; charset=utf-8",
    "admin-clients.js": "text/javascript; charset=utf-8",
    "admin-audit.js": "text/javascript; charset=utf-8",
    "admin.css": "text/css; charset=utf-8",
}
"""The only files served: a fixed list, so no request path ever reaches the file system."""

page_router = APIRouter(include_in_schema=False)


@cache
def _asset(name: str) -> bytes:
    return (resources.files("ticketbooth.web") / "static" / name).read_bytes()


PAGES = frozenset({"index.html", "admin.html", "needs-admin.html"})
"""Served at their own paths (``/``, ``/admin``), never under ``/static/``."""


def serve(name: str, status_code: int = 200) -> Response:
    """One of :data:`ASSETS`, with the security headers."""
    return Response(
        _asset(name), status_code=status_code, media_type=ASSETS[name], headers=SECURITY_HEADERS
    )


@page_router.get("/")
@page_router.get("/verify-email")
@page_router.get("/reset-password")
def index() -> Response:
    """The single-page app (also where the links in account mails land)."""
    return serve("index.html")


@page_router.get("/static/{name}")
def asset(name: str) -> Response:
    """One of the page's files.

    Raises:
        NotFoundError: ``name`` is not one of :data:`ASSETS` (404).
    """
    if name not in ASSETS or name in PAGES:
        raise NotFoundError("No such file")
    return serve(name)
