"""Verify ticketbooth tokens in any ASGI app: a pure ASGI middleware, no framework imported.

::

    from ticketbooth.asgi import TicketBoothMiddleware
    from ticketbooth.verify import JWKSVerifier

    verifier = JWKSVerifier("https://auth.example.com", audience="ticketbooth-api")
    protect = Middleware(TicketBoothMiddleware, verifier=verifier)        # Starlette
    app = Starlette(routes=[...], middleware=[protect])
    protect = DefineMiddleware(TicketBoothMiddleware, verifier=verifier)  # Litestar
    app = Litestar(route_handlers=[...], middleware=[protect])

Every HTTP request and WebSocket handshake through the middleware must carry a valid
token (unless ``optional=True``, or its path starts with one of ``exclude``); the caller's
:class:`~ticketbooth.principal.Principal` is then in the scope as ``scope["user"]`` and
``scope["auth"]`` (so ``request.user`` in Starlette and Litestar, and Starlette's
``requires("scope")`` reads its scopes) and under ``"ticketbooth.principal"``.
``roles=`` and ``scopes=`` make it a gate for what it wraps (a ``Mount``, a router, a
route): a missing role or scope answers 403.

Refusals answer exactly as the ticketbooth service does (:mod:`ticketbooth.httpauth`).
A refused WebSocket handshake is closed with code 1008 (policy violation) before it is
accepted, which servers answer with HTTP 403.

It is a plain ASGI callable, not Starlette's ``BaseHTTPMiddleware``: it adds no task, no
stream wrapping and no background-task pitfalls, and it works wherever ASGI does.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from typing import Any

from . import httpauth
from .errors import TicketboothError
from .principal import Principal
from .verify import Verifier

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PRINCIPAL_KEY = "ticketbooth.principal"
"""The scope key that holds the caller's principal (None for an optional, tokenless request)."""

POLICY_VIOLATION = 1008
"""The WebSocket close code for a refused handshake (RFC 6455 section 7.4.1)."""


class TicketBoothMiddleware:
    """Validates the bearer token of every request and puts the principal in the scope.

    Args:
        app: the ASGI app to protect.
        verifier: a :class:`~ticketbooth.verify.Verifier` or
            :class:`~ticketbooth.verify.JWKSVerifier`.
        roles: when given, the caller must hold one of them (else 403).
        scopes: when given, the token must grant all of them (else 403 insufficient_scope).
        optional: let requests without any token through (principal None); a token that
            is present must still be valid.  Roles and scopes still apply to a token.
        exclude: path prefixes that pass through unchecked (``"/health"``, ``"/docs"``).
        cookies: also read the ``access_token`` cookie when there is no ``Authorization``
            header (ticketbooth's cookie mode, with its CSRF rule).  Off by default.

    Raises:
        ValueError: a role or scope is an empty string.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: Verifier,
        *,
        roles: Iterable[str] = (),
        scopes: Iterable[str] = (),
        optional: bool = False,
        exclude: Iterable[str] = (),
        cookies: bool = False,
    ) -> None:
        self.app = app
        self.verifier = verifier
        roles, scopes = tuple(roles), tuple(scopes)
        check = httpauth.authorizer(roles, scopes)
        # A plain token route (no roles, no scopes) skips the call altogether.
        self.check: Callable[[Principal], Principal] | None = check if roles or scopes else None
        self.optional = optional
        self.exclude = tuple(exclude)
        self.cookies = cookies

    # Any, not Scope: Starlette types a scope as a MutableMapping and Litestar as
    # TypedDicts, which are not MutableMappings; this is the one signature both accept.
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or scope["path"].startswith(self.exclude):
            await self.app(scope, receive, send)
            return
        try:
            principal = self.authenticate(scope)
        except TicketboothError as exc:
            await _refuse(kind, exc, send)
            return
        scope[PRINCIPAL_KEY] = principal
        if principal is not None:
            scope["user"] = scope["auth"] = principal
        await self.app(scope, receive, send)

    def authenticate(self, scope: Scope) -> Principal | None:
        """The caller the scope's token names, checked against the roles and scopes.

        Raises:
            MissingTokenError: no token, unless ``optional``.
            InvalidTokenError: the token fails a check.
            PermissionDeniedError: a role or scope is missing.
        """
        try:
            if self.cookies:
                headers = _headers(scope)
                token = httpauth.request_token(
                    headers.get(b"authorization"),
                    method=scope.get("method", "GET"),
                    cookies=_cookies(headers.get(b"cookie")),
                    csrf_header=headers.get(_CSRF_HEADER),
                )
            else:  # the hot path: look for one header, decode only it
                token = httpauth.bearer_token(_authorization(scope))
        except httpauth.MissingTokenError:
            if self.optional:
                return None
            raise
        principal = self.verifier.principal(token)
        return principal if self.check is None else self.check(principal)


def principal_of(scope: Mapping[str, object]) -> Principal | None:
    """The principal :class:`TicketBoothMiddleware` put in ``scope`` (None: no token)."""
    principal = scope.get(PRINCIPAL_KEY)
    return principal if isinstance(principal, Principal) else None


_AUTHORIZATION = b"authorization"
_CSRF_HEADER = httpauth.CSRF_HEADER.lower().encode()


def _authorization(scope: Scope) -> str | None:
    """The first ``Authorization`` header, as HTTP's latin-1 text (names compared as
    ASGI servers give them, lower case, or else case-insensitively)."""
    for name, value in scope.get("headers", ()):
        if name == _AUTHORIZATION or (len(name) == 13 and bytes(name).lower() == _AUTHORIZATION):
            return bytes(value).decode("latin-1")
    return None


def _headers(scope: Scope) -> dict[bytes, str]:
    """The first value of each header, as HTTP's latin-1 text."""
    headers: dict[bytes, str] = {}
    for name, value in scope.get("headers", ()):
        headers.setdefault(bytes(name).lower(), bytes(value).decode("latin-1"))
    return headers


def _cookies(header: str | None) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for pair in (header or "").split(";"):
        name, sep, value = pair.partition("=")
        if sep and name.strip():
            cookies.setdefault(name.strip(), value.strip())
    return cookies


async def _refuse(kind: str, exc: TicketboothError, send: Send) -> None:
    if kind == "websocket":
        await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
        return
    status, headers, body = _response(httpauth.error_answer(exc))
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


@functools.lru_cache(maxsize=64)
def _response(answer: httpauth.ErrorAnswer) -> tuple[int, tuple[tuple[bytes, bytes], ...], bytes]:
    """The status, encoded headers and body of a refusal, built once per distinct answer
    (there are a handful: one per kind of token failure, per role or scope message)."""
    body = answer.body
    headers = (
        (b"content-type", answer.content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode("latin-1")) for name, value in answer.headers),
    )
    return answer.status, headers, body


__all__ = ["PRINCIPAL_KEY", "TicketBoothMiddleware", "principal_of"]
