"""Verify ticketbooth tokens in a Flask app (``pip install ticketbooth[flask]``).

::

    from ticketbooth.flask import TicketBooth, current_principal, login_required, roles_required
    from ticketbooth.verify import JWKSVerifier

    app = Flask(__name__)
    TicketBooth(app, JWKSVerifier("https://auth.example.com", audience="ticketbooth-api"))

    @app.get("/me")
    @login_required
    def me():
        return {"user": current_principal.username}

    @app.delete("/things/<int:id>")
    @roles_required("Admin")
    async def delete(id): ...

The decorators work on sync and async views (async needs ``flask[async]``, which the extra
installs), on blueprints and on class-based views' methods.  Refusals answer exactly as
the ticketbooth service does (:mod:`ticketbooth.httpauth`): 401 with
``WWW-Authenticate: Bearer`` (and ``error="invalid_token"`` for a bad token), 403 for a
missing role or scope, the body ``{"message": ...}``.  Tokens come from the
``Authorization: Bearer`` header only, unless ``cookies=True`` (then also from the
``access_token`` cookie, with the CSRF rule for state-changing requests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, request
from werkzeug.local import LocalProxy

from . import httpauth
from .errors import TicketboothError
from .principal import Principal
from .verify import Verifier

F = TypeVar("F", bound=Callable[..., Any])

_EXTENSION = "ticketbooth"
_PRINCIPAL = "ticketbooth.principal"
"""The WSGI environ key that keeps the request's principal once it is authenticated."""


class TicketBooth:
    """The Flask extension: which verifier checks tokens, and how refusals are answered.

    Args:
        app: the app, or None to call :meth:`init_app` later (application factories).
        verifier: a :class:`~ticketbooth.verify.Verifier` or
            :class:`~ticketbooth.verify.JWKSVerifier`.
        cookies: also read the ``access_token`` cookie (ticketbooth's cookie mode) when a
            request has no ``Authorization`` header; state-changing requests then need the
            ``X-CSRF-Token`` header.  Off by default.
    """

    def __init__(
        self, app: Flask | None = None, verifier: Verifier | None = None, *, cookies: bool = False
    ) -> None:
        self.verifier = verifier
        self.cookies = cookies
        if app is not None:
            self.init_app(app, verifier)

    def init_app(self, app: Flask, verifier: Verifier | None = None) -> None:
        """Register on ``app``; a ``TicketboothError`` raised in a view answers per RFC 6750.

        Raises:
            ValueError: no verifier was given here or to the constructor.
        """
        if verifier is not None:
            self.verifier = verifier
        if self.verifier is None:
            raise ValueError("TicketBooth needs a verifier (ticketbooth.verify.Verifier)")
        app.extensions[_EXTENSION] = self
        app.register_error_handler(TicketboothError, error_response)

    def authenticate(self) -> Principal:
        """The caller of the current request, from a valid token.

        Raises:
            MissingTokenError: no token (or another scheme).
            CsrfError: cookie mode, state-changing, without the CSRF token.
            InvalidTokenError: the token fails a check.
        """
        return self._authenticate(request.environ)

    def _authenticate(self, environ: Mapping[str, Any]) -> Principal:
        # The header straight from the WSGI environ: werkzeug's header view and the
        # request proxy cost more than the cached validation itself.
        authorization = environ.get("HTTP_AUTHORIZATION")
        if self.cookies:
            token = httpauth.request_token(
                authorization,
                method=request.method,
                cookies=request.cookies,
                csrf_header=request.headers.get(httpauth.CSRF_HEADER),
            )
        else:
            token = httpauth.bearer_token(authorization)
        assert self.verifier is not None  # noqa: S101 - init_app refuses None
        return self.verifier.principal(token)


def error_response(exc: TicketboothError) -> Response:
    """The Flask response for ``exc``: the service's status, headers and JSON body."""
    answer = httpauth.error_answer(exc)
    return Response(
        answer.body,
        status=answer.status,
        headers=list(answer.headers),
        content_type=answer.content_type,
    )


def _extension() -> TicketBooth:
    extension = current_app.extensions.get(_EXTENSION)
    if not isinstance(extension, TicketBooth):
        raise RuntimeError("ticketbooth is not set up on this app: call TicketBooth(app, verifier)")
    return extension


def _principal() -> Principal:
    environ = request.environ  # one trip through the request proxy
    principal = environ.get(_PRINCIPAL)
    if principal is None:
        principal = environ[_PRINCIPAL] = _extension()._authenticate(environ)
    return cast(Principal, principal)


current_principal: Principal = cast(Principal, LocalProxy(_principal))
"""The caller of the current request.

Set by the decorators; read in a view without one, it authenticates the request then and
there (a refusal raises, and the extension's error handler answers 401).
"""


def protected(check: Callable[[Principal], Principal]) -> Callable[[F], F]:
    """A decorator that authenticates the request and applies ``check`` before the view."""

    def admit(*_args: Any, **_kwargs: Any) -> None:
        check(_principal())

    def decorator(view: F) -> F:
        return httpauth.guard(view, admit, error_response)

    return decorator


def login_required(view: F) -> F:
    """Admit only requests with a valid token (else 401)."""
    return protected(httpauth.authorizer())(view)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Admit only callers holding one of ``roles`` (401 without a valid token, else 403).

    Raises:
        ValueError: no roles given.
    """
    if not roles:
        raise ValueError("roles_required needs at least one role")
    return protected(httpauth.authorizer(roles=roles))


def scopes_required(*scopes: str) -> Callable[[F], F]:
    """Admit only tokens granting every one of ``scopes`` (401, else 403 insufficient_scope).

    Raises:
        ValueError: no scopes given.
    """
    if not scopes:
        raise ValueError("scopes_required needs at least one scope")
    return protected(httpauth.authorizer(scopes=scopes))


__all__ = [
    "TicketBooth",
    "current_principal",
    "error_response",
    "login_required",
    "protected",
    "roles_required",
    "scopes_required",
]
