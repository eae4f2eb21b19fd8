"""Plain Django: a middleware that authenticates bearer tokens, and decorators for views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from .. import httpauth
from ..errors import TicketboothError
from ..principal import Principal
from ._core import authenticate

F = TypeVar("F", bound=Callable[..., Any])


def error_response(exc: TicketboothError) -> HttpResponse:
    """The Django response for ``exc``: the service's status, headers and JSON body."""
    answer = httpauth.error_answer(exc)
    return HttpResponse(
        answer.body,
        status=answer.status,
        content_type=answer.content_type,
        headers=dict(answer.headers),
    )


class TicketBoothMiddleware:
    """Authenticates a request that carries a token; refuses one whose token is bad.

    Put it after ``django.contrib.auth.middleware.AuthenticationMiddleware``.  A request
    with a valid token gets ``request.user`` (a :class:`~ticketbooth.django.TokenUser`
    or the mapped local user) and ``request.ticketbooth_principal``; one without a token
    passes untouched (protect views with :func:`login_required` and friends); one with a
    bad token is answered 401 here, as the ticketbooth service answers it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            found = authenticate(request)
        except TicketboothError as exc:
            return error_response(exc)
        if found is not None:
            request.user = found[0]
        return self.get_response(request)


def _admit(request: HttpRequest, check: Callable[[Principal], Principal]) -> None:
    found = authenticate(request)
    if found is None:
        raise httpauth.MissingTokenError()
    check(found[1])


def protected(check: Callable[[Principal], Principal]) -> Callable[[F], F]:
    """A decorator for function views (sync or async) that applies ``check`` first."""

    def admit(request: HttpRequest, *_args: Any, **_kwargs: Any) -> None:
        _admit(request, check)

    async def admit_async(request: HttpRequest, *_args: Any, **_kwargs: Any) -> None:
        # a mapped local user is an ORM query: keep it off the event loop
        await sync_to_async(_admit)(request, check)

    def decorator(view: F) -> F:
        return httpauth.guard(view, admit, error_response, admit_async=admit_async)

    return decorator


def login_required(view: F) -> F:
    """Admit only requests with a valid token (else 401, never a redirect to a login page)."""
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
