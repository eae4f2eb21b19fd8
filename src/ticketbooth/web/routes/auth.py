"""``/api/auth``: login, refresh with rotation, logout (bearer or cookie mode)."""

from __future__ import annotations

import functools

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from ...auth.service import AccessGrant, TokenPair
from ...errors import InvalidRefreshTokenError
from ...principal import Principal
from .. import cookies
from ..dependencies import require_user
from ..errors import error_response
from ..responses import JSONResponse
from ._common import BEARER, NO_STORE, Message, request_context, services
from .auth_schemas import (
    CookieSession,
    LoginRequest,
    RefreshRequest,
    TokenResponse,
    session_body,
    token_body,
)

MAX_USER_ID_DIGITS = 18
"""A longer ``sub`` cannot be a user id (SQL integers stop at 19 digits)."""

auth_router = APIRouter(prefix="/api/auth", tags=["auth"])


@auth_router.post(
    "/login",
    response_model=TokenResponse | CookieSession,
    responses={401: {"model": Message}, 429: {"model": Message}},
)
async def login(body: LoginRequest, request: Request) -> JSONResponse:
    """Exchange a username and password for an access token and a refresh token.

    With ``useCookies`` the tokens go to httpOnly cookies and the body holds the profile.
    Logins wait for a worker thread of their own (``LOGIN_THREADS``), so a storm of
    them queues on the event loop instead of taking every thread the other routes need.
    """
    login = functools.partial(
        services(request).auth.login,
        body.username,
        body.password,
        context=request_context(request),
    )
    pair = await anyio.to_thread.run_sync(login, limiter=request.app.state.login_threads)
    if body.useCookies:
        return _cookie_session(request, pair, cookies.new_csrf_token())
    return JSONResponse(token_body(pair), headers=NO_STORE)


@auth_router.post(
    "/refresh-token",
    response_model=TokenResponse | CookieSession,
    responses={401: {"model": Message}, 403: {"model": Message}},
)
def refresh_token(request: Request, body: RefreshRequest | None = None) -> JSONResponse:
    """Rotate a refresh token: the one presented stops working, a new pair comes back.

    Without a body, the refresh cookie is used (cookie mode, ``X-CSRF-Token`` required).
    """
    if body is None:
        return _refresh_from_cookie(request)
    pair = services(request).auth.refresh(body.refreshToken, context=request_context(request))
    return JSONResponse(token_body(pair), headers=NO_STORE)


def _refresh_from_cookie(request: Request) -> JSONResponse:
    token = request.cookies.get(cookies.REFRESH_COOKIE)
    if not token:  # neither a body nor a cookie: the body was required
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing])
    csrf = cookies.check_csrf(request)
    svc = services(request)
    try:
        result = svc.auth.refresh(
            token,
            context=request_context(request),
            grace_seconds=svc.settings.refresh_grace_seconds,
        )
    except InvalidRefreshTokenError as exc:  # the session is over: empty the jar
        return cookies.clear_session(error_response(exc), secure=_is_secure(request))
    return _cookie_session(request, result, csrf)


def _cookie_session(request: Request, result: TokenPair | AccessGrant, csrf: str) -> JSONResponse:
    settings = services(request).settings
    session = cookies.Session(
        access_token=result.access_token,
        access_max_age=result.expires_in,
        csrf_token=csrf,
        refresh_token=result.refresh_token if isinstance(result, TokenPair) else None,
        refresh_max_age=int(settings.refresh_seconds),
    )
    response = JSONResponse(session_body(result.user, result.expires_in, csrf), headers=NO_STORE)
    return cookies.set_session(response, session, secure=_is_secure(request))


def _is_secure(request: Request) -> bool:
    return cookies.is_secure(request, cookie_secure=services(request).settings.cookie_secure)


@auth_router.post("/logout", status_code=204, openapi_extra=BEARER)
def logout(request: Request, user: Principal = Depends(require_user)) -> Response:
    """Revoke every refresh token of the caller, on every device (and empty the jar)."""
    sub = user.user_id
    # Only ASCII digits name a user; any other ``sub`` (from a token minted elsewhere with
    # the key) has no refresh tokens to revoke, and int() would crash or overflow the DB.
    if sub.isascii() and sub.isdigit() and len(sub) <= MAX_USER_ID_DIGITS:
        services(request).auth.logout(int(sub), context=request_context(request))
    response = Response(status_code=204)
    if cookies.has_session_cookies(request):
        cookies.clear_session(response, secure=_is_secure(request))
    return response
