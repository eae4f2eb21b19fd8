"""``/api/auth/passkeys``: register, list and delete passkeys, and sign in with one.

The options routes answer what ``PublicKeyCredential.parseCreationOptionsFromJSON`` and
``parseRequestOptionsFromJSON`` read; the other routes take the credential as
``PublicKeyCredential.toJSON()`` writes it.  docs/passkeys.md walks through a ceremony.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ...errors import NotFoundError
from ...principal import Principal
from ...store.records import UserRecord
from ..dependencies import require_user
from ._common import (
    BEARER,
    NO_STORE,
    Message,
    caller_account,
    request_context,
    services,
    user_id_of,
)
from .auth import login_answer
from .auth_schemas import CookieSession, TokenResponse
from .passkeys_schemas import (
    PasskeyItem,
    PasskeyLoginRequest,
    RegisteredPasskey,
    RegisterRequest,
    passkey_item,
    registered_body,
)

passkeys_router = APIRouter(prefix="/api/auth/passkeys", tags=["passkeys"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Message},
    401: {"model": Message},
    409: {"model": Message},
}


def _is_passkey_id(value: str) -> bool:
    """Passkey ids are UUIDs in their canonical form; anything else names nothing (and
    never reaches the database: PostgreSQL refuses a NUL in a query)."""
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _caller(request: Request, user: Principal) -> UserRecord:
    """The caller's account; a token whose user is gone or disabled is refused (401)."""
    return caller_account(user, services(request).passkeys.account)


@passkeys_router.post("/register/options", openapi_extra=BEARER, responses=ERRORS)
def register_options(request: Request, user: Principal = Depends(require_user)) -> JSONResponse:
    """Creation options for ``navigator.credentials.create``: a discoverable credential
    with user verification, attestation ``none``, the caller's passkeys excluded."""
    options = services(request).passkeys.registration_options(_caller(request, user))
    return JSONResponse(options, headers=NO_STORE)


@passkeys_router.post(
    "/register",
    status_code=201,
    response_model=RegisteredPasskey,
    openapi_extra=BEARER,
    responses=ERRORS,
)
def register(
    body: RegisterRequest, request: Request, user: Principal = Depends(require_user)
) -> JSONResponse:
    """Verify the authenticator's answer to the options and keep the passkey."""
    record = services(request).passkeys.register(
        _caller(request, user), body.name, body.credential, context=request_context(request)
    )
    return JSONResponse(registered_body(record), status_code=201, headers=NO_STORE)


@passkeys_router.get("", response_model=list[PasskeyItem], openapi_extra=BEARER)
def list_passkeys(request: Request, user: Principal = Depends(require_user)) -> JSONResponse:
    """The caller's passkeys, oldest first, with when each was last used."""
    user_id = user_id_of(user)
    records = [] if user_id is None else services(request).passkeys.list(user_id)
    return JSONResponse([passkey_item(r) for r in records], headers=NO_STORE)


@passkeys_router.delete(
    "/{passkey_id}", status_code=204, openapi_extra=BEARER, responses={404: {"model": Message}}
)
def delete_passkey(
    passkey_id: str, request: Request, user: Principal = Depends(require_user)
) -> Response:
    """Remove one of the caller's passkeys; another user's is not found."""
    if not _is_passkey_id(passkey_id):
        raise NotFoundError("Passkey not found")
    services(request).passkeys.delete(
        _caller(request, user), passkey_id, context=request_context(request)
    )
    return Response(status_code=204)


@passkeys_router.post("/login/options", responses={429: {"model": Message}})
def login_options(request: Request) -> JSONResponse:
    """Request options for a sign-in with no username: the authenticator offers the
    passkeys it holds for this site.  429 with ``Retry-After`` past
    ``TICKETBOOTH_PASSKEY_OPTIONS_REQUESTS`` per client address."""
    options = services(request).passkeys.login_options(context=request_context(request))
    return JSONResponse(options, headers=NO_STORE)


@passkeys_router.post(
    "/login",
    response_model=TokenResponse | CookieSession,
    responses={401: {"model": Message}},
)
def login(body: PasskeyLoginRequest, request: Request) -> JSONResponse:
    """Sign in with a passkey alone: the login answer (tokens, or cookies with
    ``useCookies``); the session's ``amr`` is ``["hwk", "user"]``, and no second
    factor is asked for."""
    pair = services(request).passkeys.login(body.credential, context=request_context(request))
    return login_answer(request, pair, use_cookies=body.useCookies)
