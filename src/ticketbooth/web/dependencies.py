"""``require_user`` and ``require_role``: how routes say who may call them.

How the token travels (the ``Authorization: Bearer`` header, or in cookie mode the
``access_token`` cookie of :mod:`ticketbooth.web.cookies`) is kept apart from what the
token is (:class:`~ticketbooth.tokens.TokenValidator`).  Use them on any route::

    @app.get("/me")
    async def me(user: Principal = Depends(require_user)): ...

    @app.delete("/things/{id}", dependencies=[Depends(require_role("Admin"))])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request

from .. import httpauth
from ..errors import PermissionDeniedError
from ..principal import Principal
from ..tokens.validator import TokenValidator
from .cookies import access_cookie_token
from .errors import install_handlers


def attach(app: FastAPI, validator: TokenValidator) -> None:
    """Make ``require_user`` on ``app`` use ``validator``; errors answer per RFC 6750."""
    app.state.ticketbooth_validator = validator
    install_handlers(app)


def bearer_token(request: Request) -> str:
    """The token of an ``Authorization: Bearer`` header (scheme case-insensitive).

    Raises:
        MissingTokenError: no such header, or another scheme.
    """
    return httpauth.bearer_token(_authorization(request))


def _authorization(request: Request) -> str | None:
    """The first ``Authorization`` header, as HTTP's latin-1 text."""
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            return bytes(value).decode("latin-1")
    return None


USERS_ONLY = "This route is for users; a client's token cannot call it"
"""The 403 message for a service (client) token on a user route."""


async def require_user(request: Request) -> Principal:
    """The caller, a user, from a valid access token.  No database lookup.

    A valid token of a service (RFC 9068 client token, ``typ: at+jwt``) is refused with
    403 and :data:`USERS_ONLY`: the identity is genuine but not a person, so neither the
    user routes nor a ``sub`` that happens to be all digits may treat it as one.

    The token comes from the ``Authorization: Bearer`` header; only a request with no
    ``Authorization`` header at all is read from the access cookie (cookie mode), and a
    state-changing one of those must carry the CSRF token too.

    Raises:
        MissingTokenError: no token (401, ``WWW-Authenticate: Bearer``).
        CsrfError: cookie-authenticated, state-changing, without the CSRF token (403).
        InvalidTokenError: the token fails a check (401 with its ``error_description``).
        PermissionDeniedError: a valid client token (403).
    """
    validator: TokenValidator = request.app.state.ticketbooth_validator
    header = _authorization(request)
    token = httpauth.bearer_token(header) if header is not None else access_cookie_token(request)
    result = validator.validate_token(token)
    if result.profile.kind != "user":
        raise PermissionDeniedError(USERS_ONLY)
    return Principal.of(result, "user")


def bearer_dependency(
    authenticate: Callable[[str], Principal],
) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that reads the bearer token and hands it to ``authenticate``.

    For validators other than the app's own, such as :class:`ticketbooth.verify.JWKSVerifier`.
    """

    async def require_bearer_user(request: Request) -> Principal:
        return authenticate(bearer_token(request))

    return require_bearer_user


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only callers holding one of ``roles`` (else 403).

    Raises:
        PermissionDeniedError: valid token, role not among ``roles``.
    """
    if not roles:
        raise ValueError("require_role needs at least one role")

    async def role_checker(user: Principal = Depends(require_user)) -> Principal:
        return httpauth.require_roles(user, roles)

    return role_checker
