"""The admin console at ``/admin``: plain HTML, CSS and JavaScript from ``web/static/``.

Served with the sign-in page's Content-Security-Policy (scripts, styles and requests from
this origin only, no inline script).  The page works in cookie mode, like the sign-in
page it is reached from.  A signed-in user without the Admin role gets a plain refusal
page instead (403); the ``/api/admin`` routes refuse them whatever page they use.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import PermissionDeniedError, TicketboothError
from .dependencies import require_user
from .page import serve

ADMIN_ROLE = "Admin"

admin_page_router = APIRouter(include_in_schema=False)


@admin_page_router.get("/admin")
async def admin_console(request: Request) -> Response:
    """The console, or the "needs the Admin role" page for a caller known not to be one.

    Without a token, or with an expired one, the console itself loads: its script
    refreshes the session, and sends the caller to sign in or shows the refusal.
    """
    try:
        user = await require_user(request)
    except PermissionDeniedError:  # a client's token: not a person, so no admin either
        return serve("needs-admin.html", 403)
    except TicketboothError:
        return serve("admin.html")
    if not user.has_role(ADMIN_ROLE):
        return serve("needs-admin.html", 403)
    return serve("admin.html")
