"""ticketbooth.asgi in Starlette and in Litestar, each through its own TestClient."""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

import pytest
from examples.litestar_app import create_app as litestar_app
from litestar import Litestar
from litestar.testing import TestClient as LitestarClient
from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient as StarletteClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from ticketbooth.asgi import TicketBoothMiddleware, principal_of
from ticketbooth.principal import Principal
from ticketbooth.verify import Verifier

from .conftest import Issuer
from .contract import Answer, Contract, bearer


def _me(principal: Principal) -> dict[str, str]:
    return {"userId": principal.user_id, "userName": principal.username, "role": principal.role}


async def me(request: Request) -> Response:
    return JSONResponse(_me(request.user))


async def maybe(request: Request) -> Response:
    principal = principal_of(request.scope)
    return JSONResponse({"user": principal.username if principal else None})


@requires("orders:read")
async def starlette_scoped(request: Request) -> Response:
    return JSONResponse(_me(request.user))


async def health(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_json({"user": websocket.user.username})
    await websocket.close()


def gate(verifier: Verifier, **rules: Any) -> TicketBoothMiddleware:
    async def endpoint(scope: Any, receive: Any, send: Any) -> None:
        await JSONResponse(_me(principal_of(scope)))(scope, receive, send)  # type: ignore[arg-type]

    return TicketBoothMiddleware(endpoint, verifier, **rules)


@cache
def starlette_app(verifier: Verifier) -> Starlette:
    routes = [
        Route("/api/me", me),
        Route("/api/admin", gate(verifier, roles=["Admin"])),
        Route("/api/orders", gate(verifier, scopes=["orders:read"])),
        Route("/api/starlette-requires", starlette_scoped),
        WebSocketRoute("/ws", socket),
        Route("/health", health),
    ]
    protect = Middleware(TicketBoothMiddleware, verifier=verifier, exclude=["/health"])
    return Starlette(routes=routes, middleware=[protect])


@cache
def optional_app(verifier: Verifier) -> Starlette:
    protect = Middleware(TicketBoothMiddleware, verifier=verifier, optional=True)
    return Starlette(routes=[Route("/maybe", maybe)], middleware=[protect])


def _answer(response: Any) -> Answer:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Answer(response.status_code, headers, response.json())


class TestStarlette(Contract):
    def call(self, verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> Answer:
        with StarletteClient(starlette_app(verifier)) as client:
            return _answer(client.request(method, path, headers=headers))


class TestLitestar(Contract):
    def call(self, verifier: Verifier, method: str, path: str, headers: dict[str, str]) -> Answer:
        with LitestarClient(litestar_app_for(verifier)) as client:
            return _answer(client.request(method, path, headers=headers))


@cache
def litestar_app_for(verifier: Verifier) -> Litestar:
    return litestar_app(verifier)


def test_excluded_paths_pass_unchecked(issuer: Issuer) -> None:
    with StarletteClient(starlette_app(issuer.verifier())) as client:
        assert client.get("/health").json() == {"status": "ok"}
    with LitestarClient(litestar_app_for(issuer.verifier())) as client:
        assert client.get("/health").json() == {"status": "ok"}


def test_optional_admits_no_token_but_never_a_bad_one(issuer: Issuer) -> None:
    with StarletteClient(optional_app(issuer.verifier())) as client:
        assert client.get("/maybe").json() == {"user": None}
        john = client.get("/maybe", headers=bearer(issuer.token("john")))
        assert john.json() == {"user": "john"}
        bad = client.get("/maybe", headers=bearer("not.a.jwt"))
        assert (bad.status_code, bad.json()) == (401, {"message": "The token is malformed"})


def test_the_principal_is_in_the_scope_for_starlettes_requires(issuer: Issuer) -> None:
    with StarletteClient(starlette_app(issuer.verifier())) as client:
        granted = client.get(
            "/api/starlette-requires", headers=bearer(issuer.scoped("orders:read"))
        )
        assert granted.status_code == 200
        refused = client.get("/api/starlette-requires", headers=bearer(issuer.token("john")))
        assert refused.status_code == 403  # Starlette's own answer, not ticketbooth's


def test_a_websocket_handshake_needs_a_token(issuer: Issuer) -> None:
    with StarletteClient(starlette_app(issuer.verifier())) as client:
        with client.websocket_connect("/ws", headers=bearer(issuer.token("john"))) as ws:
            assert ws.receive_json() == {"user": "john"}
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws"):
            pass
        assert refused.value.code == 1008


def test_lifespan_passes_through(issuer: Issuer) -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def receive() -> Any:
        return {"type": "lifespan.startup"}

    async def send(_: Any) -> None:
        return None

    asyncio.run(TicketBoothMiddleware(app, issuer.verifier())({"type": "lifespan"}, receive, send))
    assert seen == ["lifespan"]


def test_empty_rules_are_refused(issuer: Issuer) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        TicketBoothMiddleware(me, issuer.verifier(), roles=[""])  # type: ignore[arg-type]
