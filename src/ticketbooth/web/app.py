"""The app factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._build_admin import build_admin
from ..assembly import Job, Services, build
from ..config import Settings, load_settings
from ..errors import TicketboothError
from ..logs import configure_logging
from .admin_page import admin_page_router
from .cors import add_cors
from .dependencies import attach
from .flat import include_flat, index_exact_paths
from .metrics import Metrics, RequestTimer
from .page import page_router
from .routes import (
    accounts_router,
    admin_audit_router,
    admin_clients_router,
    admin_keys_router,
    admin_users_router,
    auth_router,
    install_oauth,
    meta_router,
    mfa_router,
    passkeys_router,
    products_router,
    sessions_router,
)

log = logging.getLogger("ticketbooth.web")

MAX_BODY_BYTES = 64 * 1024
LOGIN_THREADS = 8


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before any parsing."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await _too_large(send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send) -> None:
    body = b'{"message":"The request body is larger than 64 KiB"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _discovery(services: Services) -> Callable[[str], dict[str, Any]]:
    @lru_cache(maxsize=8)
    def document(base_url: str) -> dict[str, Any]:
        return {
            "issuer": services.settings.issuer,
            "jwks_uri": f"{base_url}/.well-known/jwks.json",
            "token_endpoint": f"{base_url}/api/auth/login",
            "id_token_signing_alg_values_supported": sorted(
                {key.alg for key in services.validator.keys}
            ),
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
        }

    return document


def _telemetry() -> TelemetryConfig | None:
    """FastAPI's native OpenTelemetry: on only when asked for with its own switch.

    Left on, FastAPI asks OpenTelemetry on every request whether a provider is configured
    (about a tenth of a protected request's time in the app, bench/http.py).  ticketbooth
    has its own metrics (``/metrics``) and JSON logs; ``FASTAPI_OTEL_AUTO_CONFIGURE=true``
    turns FastAPI's tracing, metrics and logs back on, configured from the ``OTEL_*``
    environment as FastAPI documents.
    """
    if os.environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true":
        return None
    return {"tracing": False, "metrics": False, "logs": False}


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The ticketbooth service as an ASGI app.

    Args:
        settings: the configuration; read from the environment when omitted.
        services: ready-built services (tests inject a clock this way).

    Raises:
        ConfigurationError: the configuration is unusable or the database unreachable.
    """
    svc = services or build(settings or load_settings(), switch_algorithm=True)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not svc.passkeys.relying_party.is_usable:  # said once, by the serving process
            log.warning(
                "passkeys: TICKETBOOTH_PUBLIC_URL names the IP address %s; browsers offer "
                "passkeys only on a domain name (http://localhost:PORT for a local try)",
                svc.passkeys.relying_party.id,
            )
        for job in svc.jobs:
            if job.start is not None:
                await run_in_threadpool(job.start)
        tasks = [asyncio.create_task(_every(job)) for job in svc.jobs]
        svc.mail_sender.start()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await run_in_threadpool(svc.mail_sender.stop)
            svc.close()

    app = FastAPI(
        title="ticketbooth",
        version="0.1.0",
        description="JWT authentication: login, rotating refresh tokens, roles, JWKS.",
        lifespan=lifespan,
        telemetry=_telemetry(),
    )
    app.state.services = svc
    # Logins run argon2id: give them threads of their own (a few more than the hashing
    # pool, so the database work around each hash overlaps).
    app.state.login_threads = anyio.CapacityLimiter(LOGIN_THREADS)
    app.state.discovery = _discovery(svc)
    metrics = Metrics()
    svc.auditor.add_sink(metrics)
    app.state.metrics = metrics
    attach(app, svc.validator)
    app.state.admin = build_admin(svc)
    routers = (
        auth_router,
        accounts_router,
        sessions_router,
        mfa_router,
        passkeys_router,
        products_router,
        meta_router,
        admin_users_router,
        admin_keys_router,
        admin_clients_router,
        admin_audit_router,
        admin_page_router,
    )
    for router in routers:
        include_flat(app, router)
    install_oauth(app)
    include_flat(app, page_router)
    index_exact_paths(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestTimer, metrics=metrics)
    add_cors(app, svc.settings)
    _document_bearer(app)
    return app


async def _every(job: Job) -> None:
    """Run ``job`` every ``job.interval`` seconds in a worker thread until cancelled."""
    while True:
        await asyncio.sleep(job.interval)
        try:
            await run_in_threadpool(job.run)
        except TicketboothError as exc:
            log.warning("could not %s: %s", job.name, exc.message)


def _document_bearer(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers each build their own)."""
    settings = load_settings()
    configure_logging(settings, to_stderr=True)
    return create_app(settings)
