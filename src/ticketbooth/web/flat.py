"""Routers registered flat on the app, as ``@app.get`` registers a route.

FastAPI's ``include_router`` keeps each router as one nested route of the app: a request
is matched against the routers' routes once to pick the router and once more inside it,
and every candidate route on the way saves and restores routing state in the scope.  For
``GET /api/products/my-info`` that was about a third of the app's own time per request
(bench/http.py, docs/performance.md).  :func:`include_flat` instead adds each route of
the router to the app itself, with the same path, methods, models, responses, tags and
documentation, so the OpenAPI document is the same and a request is matched once.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send


def include_flat(app: FastAPI, router: APIRouter) -> None:
    """Add every route of ``router`` to ``app`` directly (the router is not kept).

    Raises:
        TypeError: the router holds something other than path operations (a mount, a
            nested router, a websocket route): those need ``include_router``.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"include_flat takes path operations only, not {route!r}")
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=route.dependencies,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
        )


class ExactPaths:
    """The router's front door: a request for a path without parameters skips the scan.

    Starlette matches a request against the app's routes one by one, and FastAPI's
    ``APIRoute.matches`` does more than a regular expression per route; with ~70 routes a
    request for one near the end paid for every route before it (bench/http.py: routing
    was the largest single cost of ``GET /api/products/my-info``, docs/performance.md).
    Here ``(method, path)`` of every route without path parameters is looked up in a
    dictionary built once, holding the route a full scan would pick first (an earlier
    route with parameters that matches the same path wins there as it does in the scan).
    The route still runs its own ``matches`` and ``handle``; anything else — a parameter
    path, an unknown path or method, a ``root_path``, FastAPI's telemetry or an included
    router's context on the request — goes through the router's scan as before.
    """

    def __init__(self, router: APIRouter, scan: ASGIApp) -> None:
        self.router = router
        self.scan = scan
        self.table: dict[tuple[str, str], BaseRoute] = {}
        # Form limits would have the router write them into each request's scope: leave
        # such a router to its scan (the service sets none).
        for route in () if router.form_limits else router.routes:
            if not isinstance(route, Route) or route.param_convertors or not route.methods:
                continue
            for method in route.methods:
                first = _first_full_match(router.routes, method, route.path)
                if first is not None:
                    self.table.setdefault((method, route.path), first)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = (
            self.table.get((scope["method"], scope["path"]))
            if scope["type"] == "http"
            and not scope.get("root_path")
            and "fastapi" not in scope
            and "fastapi.telemetry" not in scope
            else None
        )
        if route is None:
            await self.scan(scope, receive, send)
            return
        match, child_scope = route.matches(scope)
        if match is not Match.FULL or "fastapi" in child_scope:  # never, but stay exact
            await self.scan(scope, receive, send)
            return
        scope.setdefault("router", self.router)
        scope.update(child_scope)
        await route.handle(scope, receive, send)


def _first_full_match(routes: list[BaseRoute], method: str, path: str) -> BaseRoute | None:
    """The route a scan picks for ``method path``; None when a non-route comes first."""
    probe: Scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in routes:
        if not isinstance(route, Route):
            return None  # a mount or an included router: leave the order to the scan
        if route.matches(probe)[0] is Match.FULL:
            return route
    return None


def index_exact_paths(app: FastAPI) -> None:
    """Put :class:`ExactPaths` in front of ``app``'s router (call after the last route)."""
    app.router.middleware_stack = ExactPaths(app.router, app.router.middleware_stack)
