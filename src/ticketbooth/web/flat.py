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
