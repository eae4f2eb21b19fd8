"""Django REST framework: an authentication class and permission classes.

Token refusals are raised as :class:`Refusal`, an ``APIException`` that carries the
service's status, ``WWW-Authenticate`` header and ``{"message": ...}`` body, so DRF's own
exception handler renders them exactly as the ticketbooth service answers.  A missing role
or scope is DRF's own ``PermissionDenied`` with the service's body (403), so the
permission classes compose; it carries no ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import functools
from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission

from .. import httpauth
from ..errors import TicketboothError
from ._core import authenticate, principal_of


class Refusal(APIException):
    """A ticketbooth refusal as DRF renders it: 401 or 403, the header, the body."""

    def __init__(self, exc: TicketboothError) -> None:
        answer = httpauth.error_answer(exc)
        self.status_code = answer.status
        super().__init__(detail={"message": answer.message})
        # DRF's exception handler copies ``auth_header`` into WWW-Authenticate.
        self.auth_header = dict(answer.headers).get("WWW-Authenticate")


class TicketBoothAuthentication(BaseAuthentication):
    """Authenticates ``Authorization: Bearer`` tokens with ``settings.TICKETBOOTH``.

    ``request.user`` becomes a :class:`~ticketbooth.django.TokenUser` (or the mapped local
    user) and ``request.auth`` the token's claims.  A request without a bearer token is
    left to the next authentication class; a bad token is refused at once (401).
    """

    def authenticate(self, request: Any) -> tuple[Any, dict[str, Any]] | None:
        """``(user, claims)``, or None without a token.

        Raises:
            Refusal: the token is bad (401) or, in cookie mode, the CSRF token is missing.
        """
        try:
            found = authenticate(request._request)
        except TicketboothError as exc:
            raise Refusal(exc) from exc
        if found is None:
            return None
        user, principal = found
        # A copy: the principal (and its claims) is shared by every request that
        # reuses the token (the validation cache), and a view may change request.auth.
        return user, dict(principal.claims)

    def authenticate_header(self, request: Any) -> str:
        """What DRF sends in ``WWW-Authenticate`` with its own 401s."""
        return "Bearer"


class _TokenPermission(BasePermission):
    """Without a token, refuses at once (401, as the service answers); with one lacking a
    role or scope, answers False with the service's message, so DRF's ``|``, ``&`` and
    ``~`` compose these classes with each other and with DRF's own."""

    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    def has_permission(self, request: Any, view: Any) -> bool:
        principal = principal_of(request)
        if principal is None:
            raise Refusal(httpauth.MissingTokenError())
        if not self.roles and not self.scopes:
            return True
        try:
            _authorizer(self.roles, self.scopes)(principal)
        except TicketboothError as exc:
            # DRF raises PermissionDenied(detail=message): 403 {"message": ...}
            self.message = {"message": httpauth.error_answer(exc).message}
            return False
        return True


_authorizer = functools.cache(httpauth.authorizer)
"""One check per distinct (roles, scopes): a permission class is instantiated per request."""


class Authenticated(_TokenPermission):
    """Any valid ticketbooth token (401 as the service answers it, without one)."""


def HasRole(*roles: str) -> type[BasePermission]:
    """A permission class admitting callers that hold one of ``roles`` (else 403).

    Composes with DRF's operators: ``HasRole("Admin") | HasScope("orders:write")``.

    Raises:
        ValueError: no roles given.
    """
    if not roles or not all(roles):
        raise ValueError("HasRole needs at least one role")
    return type(f"HasRole({', '.join(roles)})", (_TokenPermission,), {"roles": roles})


def HasScope(*scopes: str) -> type[BasePermission]:
    """A permission class admitting tokens that grant every one of ``scopes`` (else 403).

    Raises:
        ValueError: no scopes given.
    """
    if not scopes or not all(scopes):
        raise ValueError("HasScope needs at least one scope")
    return type(f"HasScope({', '.join(scopes)})", (_TokenPermission,), {"scopes": scopes})
