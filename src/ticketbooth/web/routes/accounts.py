"""``/api/auth``: sign-up, email verification, password reset and change, ``me``."""

from __future__ import annotations

import functools
from collections.abc import Callable

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ...errors import NotFoundError
from ...principal import Principal
from ..dependencies import require_user
from ._common import BEARER, NO_STORE, Message, request_context, services
from .accounts_schemas import (
    ChangePasswordRequest,
    EmailRequest,
    Me,
    RegisterRequest,
    ResetPasswordRequest,
    TokenRequest,
    me_body,
)

MAX_USER_ID_DIGITS = 18
CHECK_INBOX = "Check your inbox to confirm your email address"
MAIL_SENT = "If the address belongs to an account, a mail is on its way"

accounts_router = APIRouter(prefix="/api/auth", tags=["accounts"])


async def _hashing(request: Request, call: Callable[[], None]) -> None:
    """Run a call that hashes a password on the login threads (as login does)."""
    await anyio.to_thread.run_sync(call, limiter=request.app.state.login_threads)


def _user_id(principal: Principal) -> int:
    sub = principal.user_id
    if sub.isascii() and sub.isdigit() and len(sub) <= MAX_USER_ID_DIGITS:
        return int(sub)
    raise NotFoundError("User not found")


@accounts_router.post(
    "/register",
    status_code=202,
    response_model=Message,
    responses={403: {"model": Message}, 409: {"model": Message}, 422: {"model": Message}},
)
async def register(body: RegisterRequest, request: Request) -> JSONResponse:
    """Sign up (``TICKETBOOTH_REGISTRATION`` open, or invite with ``inviteCode``).

    A registered address gets the same answer and no new account; its owner is mailed.
    """
    call = functools.partial(
        services(request).accounts.register,
        body.username,
        body.email,
        body.password,
        invite_code=body.inviteCode,
        context=request_context(request),
    )
    await _hashing(request, call)
    return JSONResponse({"message": CHECK_INBOX}, status_code=202, headers=NO_STORE)


@accounts_router.post("/verify-email", status_code=204, responses={400: {"model": Message}})
def verify_email(body: TokenRequest, request: Request) -> Response:
    """Confirm an address with the link's ``token``."""
    services(request).accounts.verify_email(body.token, context=request_context(request))
    return Response(status_code=204)


@accounts_router.post("/resend-verification", status_code=202, response_model=Message)
def resend_verification(body: EmailRequest, request: Request) -> JSONResponse:
    """Mail a new verification link (always 202)."""
    services(request).accounts.resend_verification(body.email, context=request_context(request))
    return JSONResponse({"message": MAIL_SENT}, status_code=202, headers=NO_STORE)


@accounts_router.post("/forgot-password", status_code=202, response_model=Message)
def forgot_password(body: EmailRequest, request: Request) -> JSONResponse:
    """Mail a reset link when the address is known (always 202, the same body)."""
    services(request).accounts.forgot_password(body.email, context=request_context(request))
    return JSONResponse({"message": MAIL_SENT}, status_code=202, headers=NO_STORE)


@accounts_router.post(
    "/reset-password",
    status_code=204,
    responses={400: {"model": Message}, 422: {"model": Message}},
)
async def reset_password(body: ResetPasswordRequest, request: Request) -> Response:
    """Set a new password from a reset link; every session of the user ends."""
    call = functools.partial(
        services(request).accounts.reset_password,
        body.token,
        body.newPassword,
        context=request_context(request),
    )
    await _hashing(request, call)
    return Response(status_code=204)


@accounts_router.post(
    "/change-password",
    status_code=204,
    openapi_extra=BEARER,
    responses={400: {"model": Message}, 401: {"model": Message}, 422: {"model": Message}},
)
async def change_password(
    body: ChangePasswordRequest, request: Request, user: Principal = Depends(require_user)
) -> Response:
    """Change the caller's password; every *other* session of the caller ends."""
    call = functools.partial(
        services(request).accounts.change_password,
        _user_id(user),
        user.session_id,
        body.currentPassword,
        body.newPassword,
        context=request_context(request),
    )
    await _hashing(request, call)
    return Response(status_code=204)


@accounts_router.get(
    "/me", response_model=Me, openapi_extra=BEARER, responses={401: {"model": Message}}
)
def me(request: Request, user: Principal = Depends(require_user)) -> JSONResponse:
    """The caller's profile."""
    profile = services(request).accounts.profile(_user_id(user))
    if profile is None:
        raise NotFoundError("User not found")
    return JSONResponse(me_body(profile).model_dump(), headers=NO_STORE)
