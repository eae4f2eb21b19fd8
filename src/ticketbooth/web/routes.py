"""The routes of API.md: auth, the demo products API, discovery and health."""

from __future__ import annotations

import functools
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from ..assembly import Services
from ..auth.audit import RequestContext
from ..auth.service import AccessGrant, TokenPair
from ..errors import InvalidRefreshTokenError, NotFoundError
from ..principal import Principal
from ..store.db import StoreUnavailableError, check_connection
from . import cookies
from .dependencies import require_role, require_user
from .errors import error_response
from .metrics import CONTENT_TYPE_LATEST
from .schemas import (
    CookieSession,
    LoginRequest,
    Message,
    MyInfo,
    Product,
    ProductIn,
    RefreshRequest,
    TokenResponse,
    session_body,
    token_body,
)

BEARER: dict[str, Any] = {"security": [{"bearerAuth": []}]}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
ProductId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_USER_ID_DIGITS = 18
"""A longer ``sub`` cannot be a user id (SQL integers stop at 19 digits)."""

auth_router = APIRouter(prefix="/api/auth", tags=["auth"])
products_router = APIRouter(prefix="/api/products", tags=["products"])
meta_router = APIRouter(tags=["meta"])


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


@products_router.get("", response_model=list[Product], openapi_extra=BEARER)
def list_products(request: Request, _user: Principal = Depends(require_user)) -> JSONResponse:
    """Every product.  Any authenticated user."""
    rows = services(request).products.list()
    return JSONResponse([{"id": p.id, "name": p.name, "price": p.price} for p in rows])


@products_router.get("/my-info", response_model=MyInfo, openapi_extra=BEARER)
async def my_info(user: Principal = Depends(require_user)) -> JSONResponse:
    """Who the token says the caller is; answered from the token alone."""
    return JSONResponse({"userId": user.user_id, "userName": user.username, "role": user.role})


@products_router.get(
    "/{product_id}",
    response_model=Product,
    responses={404: {"model": Message}},
    openapi_extra=BEARER,
)
def get_product(
    product_id: ProductId, request: Request, _user: Principal = Depends(require_user)
) -> JSONResponse:
    """One product.  Any authenticated user."""
    product = services(request).products.get(product_id)
    if product is None:
        raise NotFoundError("Product not found")
    return JSONResponse({"id": product.id, "name": product.name, "price": product.price})


@products_router.post("", status_code=201, response_model=Product, openapi_extra=BEARER)
def create_product(
    body: ProductIn, request: Request, _admin: Principal = Depends(require_role("Admin"))
) -> JSONResponse:
    """Create a product.  Role ``Admin``."""
    product = services(request).products.add(body.name, body.price)
    return JSONResponse(
        {"id": product.id, "name": product.name, "price": product.price},
        status_code=201,
        headers={"Location": f"/api/products/{product.id}"},
    )


@products_router.delete(
    "/{product_id}",
    status_code=204,
    responses={404: {"model": Message}},
    openapi_extra=BEARER,
)
def delete_product(
    product_id: ProductId, request: Request, _admin: Principal = Depends(require_role("Admin"))
) -> Response:
    """Delete a product.  Role ``Admin``."""
    if not services(request).products.delete(product_id):
        raise NotFoundError("Product not found")
    return Response(status_code=204)


@meta_router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify access tokens (RFC 7517); empty with HMAC only."""
    document = services(request).validator.keys.export_jwks()
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=60"})


@meta_router.get("/.well-known/openid-configuration")
async def openid_configuration(request: Request) -> JSONResponse:
    """Discovery: issuer, where the keys are, and the token endpoint."""
    return JSONResponse(request.app.state.discovery(str(request.base_url).rstrip("/")))


@meta_router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        await run_in_threadpool(check_connection, services(request).db.engine)
    except StoreUnavailableError:
        return JSONResponse(
            {"status": "unavailable", "database": "unavailable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ready", "database": "ok"})


@meta_router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@meta_router.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 while tokens can be verified; the database is reported separately."""
    svc = services(request)
    try:
        await run_in_threadpool(check_connection, svc.db.engine)
        database = "ok"
    except StoreUnavailableError:
        database = "unavailable"
    return JSONResponse({"status": "ok", "database": database})
