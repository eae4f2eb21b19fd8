"""A Litestar API that trusts ticketbooth's tokens, through the pure ASGI middleware.

Run it beside ticketbooth (RS256, ES256 or EdDSA publish their public keys)::

    TICKETBOOTH_ALGORITHM=RS256 ticketbooth serve --port 8000
    python examples/litestar_app.py --issuer-url http://127.0.0.1:8000 --port 8003

    curl localhost:8003/api/me -H "Authorization: Bearer $ACCESS"

``TicketBoothMiddleware`` puts the caller in ``request.user``; roles and scopes are
Litestar guards; ticketbooth's refusals are rendered by one exception handler, so every
answer is the one the ticketbooth service gives.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware

from ticketbooth import httpauth
from ticketbooth.asgi import TicketBoothMiddleware, principal_of
from ticketbooth.principal import Principal
from ticketbooth.tokens.errors import TicketboothError
from ticketbooth.verify import JWKSVerifier, Verifier

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


def requires(*, roles: tuple[str, ...] = (), scopes: tuple[str, ...] = ()) -> Guard:
    """A Litestar guard: one of ``roles`` and all of ``scopes`` (403 as the service answers)."""
    check = httpauth.authorizer(roles, scopes)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = principal_of(connection.scope)
        if principal is None:
            raise httpauth.MissingTokenError()
        check(principal)

    return guard


def ticketbooth_error(_: Request[Any, Any, Any], exc: TicketboothError) -> Response[bytes]:
    """Answer a refusal raised in a guard or a handler exactly as the service does."""
    answer = httpauth.error_answer(exc)
    return Response(
        answer.body,
        status_code=answer.status,
        headers=dict(answer.headers),
        media_type=answer.content_type,
    )


def _me(principal: Principal) -> dict[str, str]:
    return {"userId": principal.user_id, "userName": principal.username, "role": principal.role}


@get("/api/me")
async def me(request: Request[Principal, Principal, Any]) -> dict[str, str]:
    return _me(request.user)


@get("/api/admin", guards=[requires(roles=("Admin",))])
async def admin(request: Request[Principal, Principal, Any]) -> dict[str, str]:
    return _me(request.user)


@get("/api/orders", guards=[requires(scopes=("orders:read",))], sync_to_thread=False)
def orders(request: Request[Principal, Principal, Any]) -> dict[str, str]:
    return _me(request.user)


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(verifier: Verifier) -> Litestar:
    """The example app, verifying tokens with ``verifier``."""
    protect = DefineMiddleware(TicketBoothMiddleware, verifier=verifier, exclude=["/health"])
    return Litestar(
        route_handlers=[me, admin, orders, health],
        middleware=[protect],
        exception_handlers={TicketboothError: ticketbooth_error},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer-url", default="http://127.0.0.1:8000")
    parser.add_argument("--audience", default="ticketbooth-api")
    parser.add_argument("--port", type=int, default=8003)
    args = parser.parse_args()
    app = create_app(JWKSVerifier(args.issuer_url, args.audience))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
