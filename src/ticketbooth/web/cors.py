"""Cross-origin access for browser apps served from another origin (CORS).

Nothing is allowed unless ``TICKETBOOTH_CORS_ORIGINS`` names origins: without it no
middleware is installed and no response carries an ``Access-Control-*`` header.  With it,
Starlette's :class:`~starlette.middleware.cors.CORSMiddleware` answers preflights for the
named origins, the configured methods and the headers the API reads.  Origins that are not
named get no ``Access-Control-*`` header at all, not even ``Allow-Credentials``.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Send

from ..config import Settings
from ..httpauth import CSRF_HEADER

ALLOWED_HEADERS = ("Authorization", "Content-Type", CSRF_HEADER)
"""Request headers a cross-origin app may send: bearer token, JSON, CSRF token."""

EXPOSED_HEADERS = ("Location", "Retry-After", "WWW-Authenticate")
"""Response headers a cross-origin app may read (new product, rate limit, token error)."""

PREFLIGHT_MAX_AGE = 600


class StrictCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, silent towards origins it does not allow.

    Starlette adds ``Access-Control-Allow-Credentials`` and the preflight's allowed methods
    and headers to every answer, even for a refused origin (browsers ignore them without
    ``Allow-Origin``).  Here a refused origin gets none of them.
    """

    def preflight_response(self, request_headers: Headers) -> Response:
        if not self.is_allowed_origin(request_headers["origin"]):
            return PlainTextResponse(
                "Disallowed CORS origin", status_code=400, headers={"Vary": "Origin"}
            )
        return super().preflight_response(request_headers)

    async def send(self, message: Message, send: Send, request_headers: Headers) -> None:
        origin = request_headers.get("origin")
        if origin is None or self.is_allowed_origin(origin):
            await super().send(message, send, request_headers)
            return
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
        await send(message)


def add_cors(app: FastAPI, settings: Settings) -> None:
    """Install CORS on ``app`` when ``settings.cors_origins`` names any origin."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        StrictCORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=settings.cors_methods,
        allow_headers=ALLOWED_HEADERS,
        allow_credentials=settings.cors_allow_credentials,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_MAX_AGE,
    )
