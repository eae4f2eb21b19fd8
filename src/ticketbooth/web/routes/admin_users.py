"""``/api/admin/users``: find, create and change users, and end their sessions (role Admin).

Every route answers 401 without a token and 403 for another role; every change is an
audit event naming the administrator, committed with the change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ...errors import NotFoundError
from ..responses import JSONResponse
from ..text import Text
from ._admin import AdminPrincipal, PageNumber, PageSize, actor, admin_route, console, paging
from ._common import NO_STORE
from .admin_users_schemas import (
    MfaReset,
    PasskeysRemoved,
    PasswordChange,
    RoleChange,
    SessionsEnded,
    UserCreate,
    UserItem,
    UserPage,
    user_item,
    user_page,
)
from .sessions_schemas import SessionItem, session_item

admin_users_router = APIRouter(prefix="/api/admin/users", tags=["admin"])

UserId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The user's id.")]
SESSION_NOT_FOUND = "Session not found"


@admin_users_router.get("", response_model=UserPage, **admin_route(400))
def list_users(
    request: Request,
    _admin: AdminPrincipal,
    q: Annotated[Text | None, Query(max_length=320, description="Part of a name or email.")] = None,
    page: PageNumber = 1,
    size: PageSize = 20,
) -> JSONResponse:
    """A page of users by name, with role, state, email, MFA and last login; ``q``
    keeps those whose username or email contains it (any case)."""
    found = console(request).users.search(q, paging(page, size))
    return JSONResponse(user_page(found), headers=NO_STORE)


@admin_users_router.post("", status_code=201, response_model=UserItem, **admin_route(400, 409))
def create_user(body: UserCreate, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Create a user (``users add``): 400 for a bad name, email or role, 409 when the name
    is taken, 422 for a weak password."""
    user = console(request).users.create(
        actor(request, admin), body.username, body.password, role=body.role, email=body.email
    )
    return JSONResponse(
        user_item(user), status_code=201, headers={"Location": f"/api/admin/users/{user.id}"}
    )


@admin_users_router.get("/{user_id}", response_model=UserItem, **admin_route(404))
def get_user(user_id: UserId, request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """One user."""
    return JSONResponse(user_item(console(request).users.get(user_id)), headers=NO_STORE)


@admin_users_router.post("/{user_id}/role", response_model=UserItem, **admin_route(400, 404))
def set_role(
    user_id: UserId, body: RoleChange, request: Request, admin: AdminPrincipal
) -> JSONResponse:
    """Give the user another role (``users set-role``); new tokens carry it.  An
    administrator cannot change their own role."""
    user = console(request).users.set_role(actor(request, admin), user_id, body.role)
    return JSONResponse(user_item(user))


@admin_users_router.post("/{user_id}/disable", response_model=UserItem, **admin_route(400, 404))
def disable_user(user_id: UserId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Disable the user (``users disable``): no login, no refresh, signed out
    everywhere.  An administrator cannot disable themselves."""
    users = console(request).users
    return JSONResponse(
        user_item(users.set_disabled(actor(request, admin), user_id, is_disabled=True))
    )


@admin_users_router.post("/{user_id}/enable", response_model=UserItem, **admin_route(404))
def enable_user(user_id: UserId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Enable a disabled user (``users enable``)."""
    users = console(request).users
    return JSONResponse(
        user_item(users.set_disabled(actor(request, admin), user_id, is_disabled=False))
    )


@admin_users_router.post("/{user_id}/password", status_code=204, **admin_route(404))
def set_password(
    user_id: UserId, body: PasswordChange, request: Request, admin: AdminPrincipal
) -> Response:
    """Set a new password (``users set-password``); the user is signed out everywhere.
    422 for a weak password."""
    console(request).users.set_password(actor(request, admin), user_id, body.password)
    return Response(status_code=204)


@admin_users_router.post("/{user_id}/sign-out", status_code=204, **admin_route(404))
def sign_out(user_id: UserId, request: Request, admin: AdminPrincipal) -> Response:
    """Sign the user out everywhere (``users revoke``): every refresh token and session,
    and with ``TICKETBOOTH_REVOKE_ACCESS`` every access token."""
    console(request).users.sign_out(actor(request, admin), user_id)
    return Response(status_code=204)


@admin_users_router.post("/{user_id}/reset-mfa", response_model=MfaReset, **admin_route(404))
def reset_mfa(user_id: UserId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Remove the user's TOTP and recovery codes (``users reset-mfa``)."""
    had = console(request).users.reset_mfa(actor(request, admin), user_id)
    return JSONResponse({"hadTotp": had})


@admin_users_router.delete(
    "/{user_id}/passkeys", response_model=PasskeysRemoved, **admin_route(404)
)
def remove_passkeys(user_id: UserId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Remove every passkey of the user (``users remove-passkeys``), for a lost or
    stolen device; ``removed`` says how many there were."""
    removed = console(request).users.remove_passkeys(actor(request, admin), user_id)
    return JSONResponse({"removed": removed.passkeys, "sessionsEnded": removed.sessions})


@admin_users_router.delete("/{user_id}", status_code=204, **admin_route(400, 404))
def delete_user(
    user_id: UserId,
    request: Request,
    admin: AdminPrincipal,
    confirm: Annotated[Text | None, Query(max_length=150, description="The username.")] = None,
) -> Response:
    """Delete the user (``users delete``), with their sessions and refresh tokens.
    ``confirm`` must repeat the username; an administrator cannot delete themselves."""
    console(request).users.delete(actor(request, admin), user_id, confirm=confirm or "")
    return Response(status_code=204)


@admin_users_router.get("/{user_id}/sessions", response_model=list[SessionItem], **admin_route(404))
def list_sessions(user_id: UserId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """The user's live sessions, newest first (``users sessions``); ``current`` marks
    the administrator's own."""
    records = console(request).users.sessions(user_id)
    return JSONResponse([session_item(r, admin.session_id) for r in records], headers=NO_STORE)


@admin_users_router.delete("/{user_id}/sessions", response_model=SessionsEnded, **admin_route(404))
def end_sessions(user_id: UserId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """End every session of the user; ``ended`` says how many were live."""
    ended = console(request).users.end_sessions(actor(request, admin), user_id)
    return JSONResponse({"ended": ended})


@admin_users_router.delete("/{user_id}/sessions/{session_id}", status_code=204, **admin_route(404))
def end_session(
    user_id: UserId, session_id: Annotated[Text, Path()], request: Request, admin: AdminPrincipal
) -> Response:
    """End one session of the user (its refresh tokens, and with access revocation on
    its access tokens); 404 for an unknown id or another user's session."""
    if len(session_id) > 36:
        raise NotFoundError(SESSION_NOT_FOUND)
    console(request).users.end_session(actor(request, admin), user_id, session_id)
    return Response(status_code=204)
