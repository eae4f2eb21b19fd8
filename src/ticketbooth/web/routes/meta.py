"""Discovery, keys, health, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ...store.db import StoreUnavailableError, check_connection
from ..metrics import CONTENT_TYPE_LATEST
from ..responses import JSONResponse
from ._common import services

meta_router = APIRouter(tags=["meta"])


@meta_router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify access tokens (RFC 7517); empty with HMAC only."""
    document = services(request).validator.keys.export_jwks()
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=60"})


@meta_router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> JSONResponse:
    """Discovery: issuer, where the keys are, and the token endpoint."""
    return JSONResponse(request.app.state.discovery(str(request.base_url).rstrip("/")))


@meta_router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        await run_in_threadpool(check_connection, services(request).db.engine)
    except StoreUnavailableError:
        return JSONResponse(
            {"status": "unavailable", "database": "unavailable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ready", "database": "ok"})


@meta_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@meta_router.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 while tokens can be verified; the database is reported separately."""
    svc = services(request)
    try:
        await run_in_threadpool(check_connection, svc.db.engine)
        database = "ok"
    except StoreUnavailableError:
        database = "unavailable"
    return JSONResponse({"status": "ok", "database": database})
