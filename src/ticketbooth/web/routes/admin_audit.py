"""``/api/admin/audit`` and ``/api/admin/status``: the audit trail, its chain, sign-ins
per hour, and the state of the service's parts (role Admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from ..responses import JSONResponse
from ..text import Text
from ._admin import AdminPrincipal, PageNumber, PageSize, admin_route, console, paging
from ._common import NO_STORE
from .admin_audit_schemas import (
    AuditPage,
    Chain,
    LoginChart,
    StatusBody,
    audit_page,
    chain_body,
    login_chart,
    status_body,
)

admin_audit_router = APIRouter(prefix="/api/admin", tags=["admin"])


@admin_audit_router.get("/audit", response_model=AuditPage, **admin_route(400))
def audit_events(
    request: Request,
    _admin: AdminPrincipal,
    user: Annotated[Text | None, Query(max_length=150, description="A username.")] = None,
    event: Annotated[Text | None, Query(max_length=32, description="An event name.")] = None,
    outcome: Annotated[Literal["success", "failure"] | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601; from (inclusive).")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601; to (exclusive).")] = None,
    page: PageNumber = 1,
    size: PageSize = 20,
) -> JSONResponse:
    """A page of audit events, newest first, filtered by user, event, outcome and time
    range (a time without a zone is UTC).  400 when ``since`` is not before ``until``."""
    found = console(request).audit.page(
        paging(page, size), user=user, event=event, outcome=outcome, since=since, until=until
    )
    return JSONResponse(audit_page(found), headers=NO_STORE)


@admin_audit_router.get("/audit/verify", response_model=Chain, **admin_route())
def verify_chain(request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """Walk the audit log's hash chain (``audit verify``): whether it is intact, how many
    rows were checked, and the first row edited, deleted or inserted."""
    return JSONResponse(chain_body(console(request).audit.verify()), headers=NO_STORE)


@admin_audit_router.get("/audit/logins", response_model=LoginChart, **admin_route())
def login_counts(request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """Sign-ins per hour over the last 7 days (168 hours, oldest first, the current hour
    last): succeeded, failed (wrong password or second factor), and refused by the rate
    limit."""
    return JSONResponse(login_chart(console(request).audit.logins()), headers=NO_STORE)


@admin_audit_router.get("/status", response_model=StatusBody, **admin_route())
def status(request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """The console's status strip: the database, Redis (``off`` when not configured),
    the signing key and its age, and the audit chain's verification."""
    return JSONResponse(status_body(console(request).status.status()), headers=NO_STORE)
