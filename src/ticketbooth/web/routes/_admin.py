"""What the ``/api/admin`` routers share: the Admin gate, the console, the acting admin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from ...auth.admin import AdminConsole, Paging
from ...auth.audit import Actor
from ...principal import Principal
from ..dependencies import require_role
from ._common import BEARER, Message, request_context, user_id_of

ADMIN_ROLE = "Admin"

require_admin = require_role(ADMIN_ROLE)
"""401 without a token, 403 for any other role (and for a client's token)."""

AdminPrincipal = Annotated[Principal, Depends(require_admin)]

REFUSALS: dict[int, str] = {
    400: "Refused; the message says why",
    401: "No token, or a bad one",
    403: "Not an Admin (or a cookie-mode change without its CSRF token)",
    404: "No such user, session, key or client",
    409: "The state forbids it; the message says why",
    422: "A malformed request or a weak password",
}


def admin_route(*statuses: int) -> dict[str, Any]:
    """The keyword arguments of an admin route that may also answer ``statuses``."""
    codes = sorted({401, 403, 422, *statuses})
    return {
        "openapi_extra": BEARER,
        "responses": {c: {"model": Message, "description": REFUSALS[c]} for c in codes},
    }


PageNumber = Annotated[int, Query(description="Page, from 1.")]
PageSize = Annotated[int, Query(description="Items per page, 1 to 100.")]


def console(request: Request) -> AdminConsole:
    """The running app's admin console."""
    found: AdminConsole = request.app.state.admin
    return found


def actor(request: Request, admin: Principal) -> Actor:
    """The administrator making this request, for the audit trail."""
    return Actor(name=admin.username, user_id=user_id_of(admin), context=request_context(request))


def paging(page: int, size: int) -> Paging:
    """The page asked for.

    Raises:
        BadRequestError: out of range (400 with the range).
    """
    return Paging(page, size)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC to the second (``2026-12-01T15:00:00Z``), or None."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
