"""``/api/auth/mfa``: TOTP setup, confirmation and removal, and recovery codes.

The second step of a sign-in (``POST /api/auth/login/mfa``) is with login, in ``auth``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from ...principal import Principal
from ...store.records import UserRecord
from ..dependencies import require_user
from ._common import BEARER, NO_STORE, Message, caller_account, request_context, services
from .mfa_schemas import CodeRequest, PasswordRequest, RecoveryCodes, TotpSetupResponse

mfa_router = APIRouter(prefix="/api/auth/mfa", tags=["mfa"])

ERRORS: dict[int | str, dict[str, object]] = {400: {"model": Message}, 401: {"model": Message}}


def _caller(request: Request, user: Principal) -> UserRecord:
    """The caller's account; a token whose user is gone or disabled is refused (401)."""
    return caller_account(user, services(request).mfa.account)


@mfa_router.post(
    "/totp/setup", response_model=TotpSetupResponse, openapi_extra=BEARER, responses=ERRORS
)
def totp_setup(request: Request, user: Principal = Depends(require_user)) -> JSONResponse:
    """A new TOTP secret, its ``otpauth://`` URI and QR code; nothing is enabled yet."""
    setup = services(request).mfa.setup_totp(
        _caller(request, user), context=request_context(request)
    )
    body = {"secret": setup.secret, "otpauthUri": setup.uri, "qrSvg": setup.qr_svg}
    return JSONResponse(body, headers=NO_STORE)


@mfa_router.post(
    "/totp/confirm", response_model=RecoveryCodes, openapi_extra=BEARER, responses=ERRORS
)
def totp_confirm(
    body: CodeRequest, request: Request, user: Principal = Depends(require_user)
) -> JSONResponse:
    """Enable TOTP with a code from the app; the recovery codes are shown this once."""
    codes = services(request).mfa.confirm_totp(
        _caller(request, user), body.code, context=request_context(request)
    )
    return JSONResponse({"recoveryCodes": codes}, headers=NO_STORE)


@mfa_router.post("/totp/disable", status_code=204, openapi_extra=BEARER, responses=ERRORS)
def totp_disable(
    body: PasswordRequest, request: Request, user: Principal = Depends(require_user)
) -> Response:
    """Turn TOTP off (and void the recovery codes); needs the password."""
    services(request).mfa.disable_totp(
        _caller(request, user), body.password, context=request_context(request)
    )
    return Response(status_code=204)


@mfa_router.post(
    "/recovery-codes", response_model=RecoveryCodes, openapi_extra=BEARER, responses=ERRORS
)
def recovery_codes(
    body: PasswordRequest, request: Request, user: Principal = Depends(require_user)
) -> JSONResponse:
    """A new set of recovery codes, the old ones void; needs the password."""
    codes = services(request).mfa.regenerate_recovery_codes(
        _caller(request, user), body.password, context=request_context(request)
    )
    return JSONResponse({"recoveryCodes": codes}, headers=NO_STORE)
