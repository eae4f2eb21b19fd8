"""OAuth 2.0 for services: ``/oauth/token``, ``/oauth/introspect``, ``/oauth/revoke`` and
``/.well-known/oauth-authorization-server`` (RFC 6749 §4.4, 7662, 7009, 8414).

This module only parses: form bodies (``application/x-www-form-urlencoded``, each
parameter at most once), the client's credentials (HTTP Basic with RFC 6749 §2.3.1
form-encoding, ``client_secret`` in the form, or an RFC 7523 assertion), and renders
errors as RFC 6749 §5.2 ``{"error", "error_description"}``.  ``auth.oauth`` decides.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from ...assembly import Services
from ...auth.oauth import (
    ASSERTION_TYPE,
    AUTH_METHODS,
    ClientCredentials,
    ClientRateLimitedError,
    InvalidClientError,
    InvalidRequestError,
    OAuthError,
    UnsupportedGrantTypeError,
)
from ...store.client_records import ClientRecord
from ..flat import include_flat
from ..responses import JSONResponse
from ..text import unstorable
from ._common import NO_STORE, request_context, services

FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 20
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a password
INTROSPECT_PATH = "/oauth/introspect"
REVOKE_PATH = "/oauth/revoke"

oauth_router = APIRouter(tags=["oauth"])


def _form_body(*fields: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """OpenAPI for a form body (parsed by :func:`read_form`, not by FastAPI)."""
    properties = {name: {"type": "string"} for name in fields}
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return {"requestBody": {"required": True, "content": {FORM: {"schema": schema}}}}


_CLIENT_AUTH = ("client_id", "client_secret", "client_assertion_type", "client_assertion")


def install_oauth(app: FastAPI) -> None:
    """Add the OAuth routes and their RFC 6749 §5.2 error answers to ``app``."""
    include_flat(app, oauth_router)
    app.add_exception_handler(OAuthError, _oauth_error)


async def _oauth_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)  # noqa: S101 - registered for this type only
    return error_response(exc, realm=services(request).settings.issuer)


def error_response(exc: OAuthError, *, realm: str = "ticketbooth") -> JSONResponse:
    """The RFC 6749 §5.2 answer for ``exc``, never cached."""
    headers = dict(NO_STORE)
    if isinstance(exc, InvalidClientError) and exc.is_basic:
        headers["WWW-Authenticate"] = f'Basic realm="{realm}"'
    if isinstance(exc, ClientRateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    body = {"error": exc.error, "error_description": exc.message}
    return JSONResponse(body, status_code=exc.status, headers=headers)


async def read_form(request: Request) -> dict[str, str]:
    """The form parameters, each present at most once (RFC 6749 §3.2).

    Raises:
        InvalidRequestError: another content type, bad encoding, or a repeated parameter.
    """
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM:
        raise InvalidRequestError(f"The body must be {FORM}")
    try:
        text = (await request.body()).decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError("The body is not a valid form") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise InvalidRequestError(f"The parameter {name} is repeated")
        if (reason := unstorable(value)) is not None:  # PostgreSQL refuses NUL
            raise InvalidRequestError(f"The parameter {name} {reason}")
        form[name] = value
    return form


def client_credentials(request: Request, form: dict[str, str]) -> ClientCredentials:
    """How the request authenticates its client: exactly one method, or ``none``.

    Raises:
        InvalidRequestError: two methods at once, or an incomplete one.
        InvalidClientError: a malformed Basic header (challenged with Basic).
    """
    basic = _basic(request)
    used = [basic is not None, "client_secret" in form, "client_assertion" in form]
    if sum(used) > 1:
        raise InvalidRequestError("Use one client authentication method, not several")
    if basic is not None:
        client_id, secret = basic
        if "client_id" in form and form["client_id"] != client_id:
            raise InvalidRequestError("client_id differs from the Basic credentials")
        return ClientCredentials("client_secret_basic", client_id, secret=secret)
    if "client_secret" in form:
        if not form.get("client_id"):
            raise InvalidRequestError("client_id is required with client_secret")
        return ClientCredentials(
            "client_secret_post", form["client_id"], secret=form["client_secret"]
        )
    if "client_assertion" in form or "client_assertion_type" in form:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise InvalidRequestError(f"client_assertion_type must be {ASSERTION_TYPE}")
        if not form.get("client_assertion"):
            raise InvalidRequestError("client_assertion is required")
        return ClientCredentials(
            "private_key_jwt", form.get("client_id") or None, assertion=form["client_assertion"]
        )
    return ClientCredentials("none", form.get("client_id") or None)


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClientError("The Basic credentials are malformed", is_basic=True) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise InvalidClientError("The Basic credentials are malformed", is_basic=True)
    # RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


def _audiences(request: Request, path: str) -> set[str]:
    """What an assertion's ``aud`` may name: the token endpoint (or the endpoint called)
    at the URL the request came in on or at ``TICKETBOOTH_PUBLIC_URL`` (the address
    clients know behind a proxy), or the issuer."""
    settings = services(request).settings
    bases = {str(request.base_url).rstrip("/"), settings.public_url}
    return {base + p for base in bases for p in (TOKEN_PATH, path)} | {settings.issuer}


async def _authenticate(request: Request, form: dict[str, str], path: str) -> ClientRecord:
    return await run_in_threadpool(
        services(request).oauth.authenticate,
        client_credentials(request, form),
        audiences=_audiences(request, path),
        context=request_context(request),
    )


@oauth_router.post(
    TOKEN_PATH,
    openapi_extra=_form_body("grant_type", "scope", *_CLIENT_AUTH, required=("grant_type",)),
)
async def token(request: Request) -> JSONResponse:
    """The client-credentials grant: an RFC 9068 access token for the client itself."""
    form = await read_form(request)
    if not form.get("grant_type"):
        raise InvalidRequestError("grant_type is required")
    client = await _authenticate(request, form, TOKEN_PATH)
    if form["grant_type"] != "client_credentials":
        raise UnsupportedGrantTypeError()
    oauth = services(request).oauth
    issued = await run_in_threadpool(
        oauth.issue, client, form.get("scope"), context=request_context(request)
    )
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JSONResponse(body, headers=NO_STORE)


@oauth_router.post(
    INTROSPECT_PATH,
    openapi_extra=_form_body("token", "token_type_hint", *_CLIENT_AUTH, required=("token",)),
)
async def introspect(request: Request) -> JSONResponse:
    """RFC 7662: is this access or refresh token active, and what does it say?"""
    form = await read_form(request)
    await _authenticate(request, form, INTROSPECT_PATH)
    if not form.get("token"):
        raise InvalidRequestError("token is required")
    oauth = services(request).oauth
    answer = await run_in_threadpool(oauth.introspect, form["token"], form.get("token_type_hint"))
    return JSONResponse(answer, headers=NO_STORE)


@oauth_router.post(
    REVOKE_PATH,
    openapi_extra=_form_body("token", "token_type_hint", *_CLIENT_AUTH, required=("token",)),
)
async def revoke(request: Request) -> Response:
    """RFC 7009: 200 whether or not the token was known."""
    form = await read_form(request)
    client = await _authenticate(request, form, REVOKE_PATH)
    if not form.get("token"):
        raise InvalidRequestError("token is required")
    oauth = services(request).oauth
    await run_in_threadpool(
        oauth.revoke,
        client,
        form["token"],
        form.get("token_type_hint"),
        context=request_context(request),
    )
    return Response(status_code=200, headers=NO_STORE)


@oauth_router.get("/.well-known/oauth-authorization-server")
async def metadata(request: Request) -> JSONResponse:
    """RFC 8414 authorization-server metadata."""
    svc: Services = services(request)
    base = str(request.base_url).rstrip("/")
    scopes = sorted({s for c in await run_in_threadpool(svc.clients.list) for s in c.scopes})
    return JSONResponse(
        {
            "issuer": svc.settings.issuer,
            "token_endpoint": base + TOKEN_PATH,
            "introspection_endpoint": base + INTROSPECT_PATH,
            "revocation_endpoint": base + REVOKE_PATH,
            "jwks_uri": base + "/.well-known/jwks.json",
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
            "introspection_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": scopes,
        },
        headers={"Cache-Control": "public, max-age=60"},
    )
