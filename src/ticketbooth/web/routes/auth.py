"""``/api/auth``: login, refresh with rotation, logout (bearer or cookie mode)."""

from __future__ import annotations

import functools

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from ...assembly import Services
from ...auth.audit import RequestContext
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
    MfaLoginRequest,
    MfaRequired,
    RefreshRequest,
    TokenResponse,
    mfa_required_body,
    session_body,
    token_body,
)

MAX_USER_ID_DIGITS = 18
"""A longer ``sub`` cannot be a user id (SQL integers stop at 19 digits)."""

auth_router = APIRouter(prefix="/api/auth", tags=["auth"])


@auth_router.post(
    "/login",
    response_model=TokenResponse | CookieSession | MfaRequired,
    responses={401: {"model": Message}, 429: {"model": Message}},
)
async def login(body: LoginRequest, request: Request) -> JSONResponse:
    """Exchange a username and password for an access token and a refresh token.

    With ``useCookies`` the tokens go to httpOnly cookies and the body holds the profile.
    A user with a second factor gets ``mfaRequired`` and an ``mfaToken`` instead, for
    ``POST /api/auth/login/mfa``.  Logins wait for a worker thread of their own
    (``LOGIN_THREADS``), so a storm of them queues on the event loop instead of taking
    every thread the other routes need.
    """
    step = functools.partial(_password_step, services(request), body, request_context(request))
    result = await anyio.to_thread.run_sync(step, limiter=request.app.state.login_threads)
    if isinstance(result, str):
        return JSONResponse(mfa_required_body(result), headers=NO_STORE)
    return login_answer(request, result, use_cookies=body.useCookies)


def _password_step(svc: Services, body: LoginRequest, context: RequestContext) -> TokenPair | str:
    """A session's tokens, or the ``mfaToken`` of a sign-in that owes a second factor."""
    authentication = svc.auth.authenticate(body.username, body.password, context=context)
    if authentication.needs_second_factor:
        return svc.mfa.start_challenge(authentication.user, authentication.methods)
    return svc.auth.start_session(authentication.user, authentication.methods, context)


@auth_router.post(
    "/login/mfa",
    response_model=TokenResponse | CookieSession,
    responses={401: {"model": Message}, 429: {"model": Message}},
)
def login_mfa(body: MfaLoginRequest, request: Request) -> JSONResponse:
    """The second step of a sign-in: a TOTP ``code`` or a ``recoveryCode`` with the
    ``mfaToken`` the password step gave; answers as login does."""
    svc = services(request)
    context = request_context(request)
    user, methods = svc.mfa.finish_challenge(
        body.mfaToken, code=body.code, recovery_code=body.recoveryCode, context=context
    )
    pair = svc.auth.start_session(user, methods, context)
    return login_answer(request, pair, use_cookies=body.useCookies)


def login_answer(request: Request, pair: TokenPair, *, use_cookies: bool) -> JSONResponse:
    """The login answer for a new session: the tokens, or with ``use_cookies`` the
    profile (the tokens go to httpOnly cookies).  Passkey sign-in answers with it too."""
    if use_cookies:
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
