"""How a token travels over HTTP and how a refusal is answered, for any web framework.

This module knows HTTP, not any framework: the FastAPI service (:mod:`ticketbooth.web`)
and the adapters for Flask (:mod:`ticketbooth.flask`), Django REST framework
(:mod:`ticketbooth.django`) and plain ASGI (:mod:`ticketbooth.asgi`) all take the token
and render their refusals here, so each answers exactly as the service does:

* **Where the token comes from.**  The ``Authorization: Bearer`` header (the scheme name
  case-insensitive; never the query string).  In cookie mode a request with *no*
  ``Authorization`` header at all is read from the ``access_token`` cookie, and a
  state-changing one of those must echo the ``csrf`` cookie in ``X-CSRF-Token`` (the
  double-submit rule, compared in constant time).  A request that carries another scheme
  is never read from the cookie: the caller said how it authenticates.
* **How a refusal is answered** (RFC 6750): no token, 401 ``WWW-Authenticate: Bearer``;
  a bad token, 401 ``Bearer error="invalid_token", error_description="..."``; a missing
  scope, 403 ``Bearer error="insufficient_scope"``; a missing role, 403.  The body is
  always ``{"message": ...}``.
"""

from __future__ import annotations

import functools
import hmac
import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from .errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CsrfError,
    InvalidFieldError,
    InvalidTokenError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TicketboothError,
    WeakPasswordError,
)
from .principal import Principal

ACCESS_COOKIE = "access_token"
CSRF_COOKIE = "csrf"
CSRF_HEADER = "X-CSRF-Token"

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing, so need no CSRF token (RFC 9110 section 9.2.1)."""

F = TypeVar("F", bound=Callable[..., Any])


class MissingTokenError(AuthenticationError):
    """No bearer token came with a request to a protected route."""

    description = "Authentication required"


class InsufficientScopeError(PermissionDeniedError):
    """A valid token that does not grant every scope the route needs (RFC 6750 §3.1).

    Attributes:
        scopes: the scopes the route needs.
    """

    def __init__(self, scopes: Iterable[str]) -> None:
        self.scopes = tuple(scopes)
        super().__init__(f"This requires the scope {' and '.join(self.scopes)}")


# -- where the token comes from ---------------------------------------------------------


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer`` header value (scheme case-insensitive).

    Raises:
        MissingTokenError: no header, another scheme, or an empty token.
    """
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token:
            return token
    raise MissingTokenError()


def check_csrf(cookie: str | None, header: str | None) -> str:
    """The CSRF value, when the ``X-CSRF-Token`` header matches the ``csrf`` cookie.

    Compared with :func:`hmac.compare_digest`, so the time taken tells nothing.

    Raises:
        CsrfError: the cookie or the header is missing, or they differ.
    """
    cookie = cookie or ""
    if not cookie or not hmac.compare_digest(cookie.encode(), (header or "").encode()):
        raise CsrfError()
    return cookie


def cookie_token(method: str, cookies: Mapping[str, str], csrf_header: str | None) -> str:
    """The access cookie's token, CSRF-checked when ``method`` changes state.

    Raises:
        MissingTokenError: no access cookie.
        CsrfError: a state-changing request without the matching ``X-CSRF-Token``.
    """
    token = cookies.get(ACCESS_COOKIE)
    if not token:
        raise MissingTokenError()
    if method.upper() not in SAFE_METHODS:
        check_csrf(cookies.get(CSRF_COOKIE), csrf_header)
    return token


def request_token(
    authorization: str | None,
    *,
    method: str = "GET",
    cookies: Mapping[str, str] | None = None,
    csrf_header: str | None = None,
) -> str:
    """The token a request carries.

    Args:
        authorization: the ``Authorization`` header, or None when there is none.
        method: the request method (for the CSRF rule).
        cookies: the request's cookies in cookie mode; None when cookie mode is off.
        csrf_header: the ``X-CSRF-Token`` header, in cookie mode.

    Raises:
        MissingTokenError: no token (or another scheme than Bearer).
        CsrfError: cookie-authenticated, state-changing, without the CSRF token.
    """
    if authorization is not None or cookies is None:
        return bearer_token(authorization)
    return cookie_token(method, cookies, csrf_header)


# -- what the token must grant -----------------------------------------------------------


def require_roles(principal: Principal, roles: Iterable[str]) -> Principal:
    """``principal``, when it holds one of ``roles`` (a client never holds a role).

    Raises:
        PermissionDeniedError: it holds none of them (403).
    """
    roles = tuple(roles)
    if not principal.has_role(*roles):
        raise PermissionDeniedError(f"This requires the role {' or '.join(roles)}")
    return principal


def require_scopes(principal: Principal, scopes: Iterable[str]) -> Principal:
    """``principal``, when its token grants every one of ``scopes``.

    Raises:
        InsufficientScopeError: a scope is missing (403 ``insufficient_scope``).
    """
    scopes = tuple(scopes)
    if not principal.has_scope(*scopes):
        raise InsufficientScopeError(scopes)
    return principal


def authorizer(
    roles: Iterable[str] = (), scopes: Iterable[str] = ()
) -> Callable[[Principal], Principal]:
    """One check for a route's roles (any one of them) and scopes (all of them).

    Raises:
        ValueError: a role or scope is an empty string.
    """
    roles, scopes = tuple(roles), tuple(scopes)
    if any(not name for name in (*roles, *scopes)):
        raise ValueError("roles and scopes must be non-empty names")
    if not roles and not scopes:
        return _any_token

    def check(principal: Principal) -> Principal:
        if roles:
            require_roles(principal, roles)
        if scopes:
            require_scopes(principal, scopes)
        return principal

    return check


def _any_token(principal: Principal) -> Principal:
    """The check of a route that needs a valid token and nothing more."""
    return principal


def guard(
    view: F,
    admit: Callable[..., object],
    refuse: Callable[[TicketboothError], object],
    *,
    admit_async: Callable[..., Awaitable[object]] | None = None,
) -> F:
    """``view`` (sync or async) behind ``admit``: the decorators of the Flask and Django adapters.

    ``admit`` is called with the view's own arguments before it and raises a
    :class:`~ticketbooth.errors.TicketboothError` to refuse; the wrapper then answers
    ``refuse(exc)`` (the framework's rendering of :func:`error_answer`) instead of calling
    the view.  An async view awaits ``admit_async`` instead when given (to keep blocking
    work such as a database lookup off the event loop), else calls ``admit``.
    """
    if inspect.iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                if admit_async is None:
                    admit(*args, **kwargs)
                else:
                    await admit_async(*args, **kwargs)
            except TicketboothError as exc:
                return refuse(exc)
            return await view(*args, **kwargs)

        return cast(F, async_wrapper)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            admit(*args, **kwargs)
        except TicketboothError as exc:
            return refuse(exc)
        return view(*args, **kwargs)

    return cast(F, wrapper)


# -- how a refusal is answered ----------------------------------------------------------

STATUS: tuple[tuple[type[TicketboothError], int], ...] = (
    (BadRequestError, 400),
    (InvalidTokenError, 401),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (WeakPasswordError, 422),
    (InvalidFieldError, 422),
    (RateLimitedError, 429),
)
"""Which status each kind of error answers with; anything else is a 500."""


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """An HTTP answer to a refusal, for any framework to send.

    Attributes:
        status: the status code.
        message: the one line for the ``{"message": ...}`` body.
        headers: ``WWW-Authenticate`` or ``Retry-After`` where they apply.
    """

    status: int
    message: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def body(self) -> bytes:
        """``{"message": ...}`` as compact UTF-8 JSON (what Starlette's JSONResponse writes)."""
        return json.dumps(
            {"message": self.message}, ensure_ascii=False, separators=(",", ":")
        ).encode()

    @property
    def content_type(self) -> str:
        """The body's media type."""
        return "application/json"


def error_answer(exc: TicketboothError) -> ErrorAnswer:
    """The status, headers and message for ``exc``, as the service answers it.

    A token failure shows its RFC 6750 ``error_description`` and nothing more; an
    unmapped error is a plain 500 that says nothing of its cause.
    """
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 500)
    if status == 500:
        return ErrorAnswer(500, "Internal server error")
    message = exc.description if isinstance(exc, InvalidTokenError) else exc.message
    return ErrorAnswer(status, message, _headers(exc))


def _headers(exc: TicketboothError) -> tuple[tuple[str, str], ...]:
    if isinstance(exc, InvalidTokenError):
        return (
            (
                "WWW-Authenticate",
                f'Bearer error="invalid_token", error_description="{exc.description}"',
            ),
        )
    if isinstance(exc, MissingTokenError):
        return (("WWW-Authenticate", "Bearer"),)
    if isinstance(exc, InsufficientScopeError):
        return (
            (
                "WWW-Authenticate",
                f'Bearer error="insufficient_scope", error_description="{exc.message}", '
                f'scope="{" ".join(exc.scopes)}"',
            ),
        )
    if isinstance(exc, RateLimitedError):
        return (("Retry-After", str(exc.retry_after)),)
    return ()


__all__ = [
    "ACCESS_COOKIE",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "STATUS",
    "ErrorAnswer",
    "InsufficientScopeError",
    "MissingTokenError",
    "authorizer",
    "bearer_token",
    "check_csrf",
    "cookie_token",
    "error_answer",
    "guard",
    "request_token",
    "require_roles",
    "require_scopes",
]
