"""``/api/auth/sessions``: the caller's sessions (logins), listed and ended."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ...errors import NotFoundError
from ...principal import Principal
from ..dependencies import require_user
from ..text import unstorable
from ._common import BEARER, NO_STORE, Message, request_context, services, user_id_of
from .sessions_schemas import SessionItem, session_item

sessions_router = APIRouter(prefix="/api/auth/sessions", tags=["sessions"])

SESSION_NOT_FOUND = "Session not found"


@sessions_router.get("", response_model=list[SessionItem], openapi_extra=BEARER)
def list_sessions(request: Request, user: Principal = Depends(require_user)) -> JSONResponse:
    """The caller's live sessions, newest first; ``current`` marks the caller's own."""
    user_id = user_id_of(user)
    records = [] if user_id is None else services(request).sessions.list(user_id)
    body = [session_item(r, user.session_id) for r in records]
    return JSONResponse(body, headers=NO_STORE)


@sessions_router.post("/revoke-others", status_code=204, openapi_extra=BEARER)
def revoke_others(request: Request, user: Principal = Depends(require_user)) -> Response:
    """End every session of the caller except the one making this request."""
    user_id = user_id_of(user)
    if user_id is not None:
        services(request).sessions.revoke_others(
            user_id, user.session_id, context=request_context(request)
        )
    return Response(status_code=204)


@sessions_router.delete(
    "/{session_id}", status_code=204, openapi_extra=BEARER, responses={404: {"model": Message}}
)
def end_session(
    session_id: str, request: Request, user: Principal = Depends(require_user)
) -> Response:
    """End one session of the caller: its refresh tokens (and, with access revocation
    on, its access tokens) stop working.  Another user's session is not found."""
    user_id = user_id_of(user)
    # No session has an id that is long or that PostgreSQL cannot take (a NUL): such an
    # id names nothing and never reaches the database.
    if user_id is None or len(session_id) > 36 or unstorable(session_id) is not None:
        raise NotFoundError(SESSION_NOT_FOUND)
    services(request).sessions.revoke(user_id, session_id, context=request_context(request))
    return Response(status_code=204)
