"""What every router shares: the running services, the caller's address, the error body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict

from ...assembly import Services
from ...auth.audit import RequestContext
from ...errors import InvalidCredentialsError
from ...principal import Principal
from ...store.records import UserRecord

BEARER: dict[str, Any] = {"security": [{"bearerAuth": []}]}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


MAX_USER_ID_DIGITS = 18
"""A longer ``sub`` cannot be a user id (SQL integers stop at 19 digits)."""


def user_id_of(user: Principal) -> int | None:
    """The caller's user id, or None when ``sub`` cannot name a user of this database.

    Only ASCII digits name a user; any other ``sub`` (from a token minted elsewhere with
    the key) has no sessions or factors here, and int() would crash or overflow the DB.
    """
    sub = user.user_id
    if sub.isascii() and sub.isdigit() and len(sub) <= MAX_USER_ID_DIGITS:
        return int(sub)
    return None


def caller_account(user: Principal, account: Callable[[int], UserRecord | None]) -> UserRecord:
    """The caller's account, looked up with ``account``.

    Raises:
        InvalidCredentialsError: the token's user is gone or disabled (401).
    """
    user_id = user_id_of(user)
    record = None if user_id is None else account(user_id)
    if record is None or record.is_disabled:
        raise InvalidCredentialsError()
    return record


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
