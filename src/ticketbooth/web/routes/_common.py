"""What every router shares: the running services, the caller's address, the error body."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict

from ...assembly import Services
from ...auth.audit import RequestContext

BEARER: dict[str, Any] = {"security": [{"bearerAuth": []}]}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class Message(BaseModel):
    message: str


def services(request: Request) -> Services:
    """The service objects of the running app."""
    found: Services = request.app.state.services
    return found


def request_context(request: Request) -> RequestContext:
    """Client address and User-Agent for the audit trail."""
    return RequestContext(
        address=client_address(request, services(request).settings.trusted_proxies),
        user_agent=request.headers.get("user-agent"),
    )


def client_address(request: Request, trusted: list[str]) -> str:
    """The caller's address; ``X-Forwarded-For`` counts only from a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if peer in trusted:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        while hops and hops[-1] in trusted:
            hops.pop()
        if hops:
            return hops[-1][:64]
    return peer
