"""Prometheus metrics: authentication outcomes, validation failures, request latency.

Each app has its own registry (several apps in one process, as in tests, do not clash).
With ``serve --workers N`` every worker counts on its own; scrape them through
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) or run one worker
per container.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..store.records import AuditEvent

__all__ = ["CONTENT_TYPE_LATEST", "Metrics", "RequestTimer"]


class Metrics:
    """The service's metrics, fed by audit events and the error handler."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.logins = Counter(
            "ticketbooth_logins",
            "Login attempts by outcome (success, failure, rate_limited).",
            ["outcome"],
            registry=self.registry,
        )
        self.refreshes = Counter(
            "ticketbooth_refreshes",
            "Refresh-token exchanges by outcome (success, failure, reuse).",
            ["outcome"],
            registry=self.registry,
        )
        self.clients = Counter(
            "ticketbooth_client_authentications",
            "OAuth client authentications at the token endpoint by outcome (success, "
            "failure, rate_limited).",
            ["outcome"],
            registry=self.registry,
        )
        self.validation_failures = Counter(
            "ticketbooth_token_validation_failures",
            "Access tokens refused, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.requests = Histogram(
            "ticketbooth_request_duration_seconds",
            "HTTP request latency by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        for outcome in ("success", "failure", "rate_limited"):
            self.logins.labels(outcome)
        for outcome in ("success", "failure", "reuse"):
            self.refreshes.labels(outcome)
        for outcome in ("success", "failure", "rate_limited"):
            self.clients.labels(outcome)

    def append(self, event: AuditEvent) -> None:
        """An audit sink: count login and refresh outcomes."""
        if event.event == "login":
            self.logins.labels(event.outcome).inc()
        elif event.event == "rate_limited":
            self.logins.labels("rate_limited").inc()
        elif event.event == "refresh":
            self.refreshes.labels(event.outcome).inc()
        elif event.event == "refresh_reuse":
            self.refreshes.labels("reuse").inc()
        elif event.event == "client_token":
            self.clients.labels("success").inc()
        elif event.event == "client_auth":
            self.clients.labels("failure").inc()
        elif event.event == "client_rate_limited":
            self.clients.labels("rate_limited").inc()

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


class RequestTimer:
    """ASGI middleware observing each request's latency into ``Metrics.requests``.

    Pure ASGI (no ``BaseHTTPMiddleware`` task), and the histogram's labelled children are
    bound once per (route, method, status) and kept: a request pays a dictionary lookup,
    not prometheus-client's label validation and locked child lookup.  The set of keys
    is bounded by the app's routes, the HTTP methods and the status codes it answers.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # Keyed by the route object's id: routes are not hashable, and live as long as
        # the app (and this middleware) does.
        self._children: dict[tuple[int, str, int], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            key = (id(route), scope["method"], status)
            child = self._children.get(key)
            if child is None:
                template = getattr(route, "path", None) or "unmatched"
                child = self.metrics.requests.labels(template, key[1], str(status))
                self._children[key] = child
            child.observe(time.perf_counter() - started)
