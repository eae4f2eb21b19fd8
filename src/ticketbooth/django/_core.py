"""Who a Django request's token names: one authentication, shared by DRF and plain views.

The result is kept on the ``HttpRequest``, so the middleware, DRF's authentication class
and the decorators validate a token once per request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from .. import httpauth
from ..errors import AuthenticationError, MissingClaimError
from ..principal import Principal
from ._config import Config, config

PRINCIPAL_ATTR = "ticketbooth_principal"
_RESULT_ATTR = "_ticketbooth_result"


class TokenUser:
    """``request.user`` for a valid token when no local user is mapped.

    Enough of Django's user interface for DRF's permission classes and templates
    (``is_authenticated`` is True; it has no Django permissions and is never staff),
    with the principal beside it.

    Attributes:
        principal: the caller, from the token.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.pk = self.id = principal.user_id
        self.username = principal.username

    def get_username(self) -> str:
        """The ``name`` claim."""
        return self.username

    def has_role(self, *roles: str) -> bool:
        """Whether the caller is a user holding one of ``roles``."""
        return self.principal.has_role(*roles)

    def has_scope(self, *scopes: str) -> bool:
        """Whether the token grants every one of ``scopes``."""
        return self.principal.has_scope(*scopes)

    def has_perm(self, _perm: str, _obj: object = None) -> bool:
        """Django permissions are for local users: a token user has none."""
        return False

    def has_perms(self, _perms: object, _obj: object = None) -> bool:
        """See :meth:`has_perm`."""
        return False

    def has_module_perms(self, _label: str) -> bool:
        """See :meth:`has_perm`."""
        return False

    def __str__(self) -> str:
        return self.username or self.principal.user_id

    def __repr__(self) -> str:
        return f"TokenUser({self.principal.user_id!r})"


def authenticate(request: HttpRequest) -> tuple[Any, Principal] | None:
    """The request's user and principal, or None when it carries no token.

    Raises:
        CsrfError: cookie mode, state-changing, without the CSRF token.
        InvalidTokenError: the token fails a check.
        AuthenticationError: a mapped local user is inactive.
        ConfigError: ``settings.TICKETBOOTH`` is wrong.
    """
    if hasattr(request, _RESULT_ATTR):
        result: tuple[Any, Principal] | None = getattr(request, _RESULT_ATTR)
        return result
    settings = config()
    # The header straight from META: ``request.headers`` builds a view of every header
    # on first use, which costs more than the cached validation itself.
    authorization = request.META.get("HTTP_AUTHORIZATION")
    try:
        if settings.cookies:
            token = httpauth.request_token(
                authorization,
                method=request.method or "GET",
                cookies=request.COOKIES,
                csrf_header=request.headers.get(httpauth.CSRF_HEADER),
            )
        else:
            token = httpauth.bearer_token(authorization)
    except httpauth.MissingTokenError:
        result = None
    else:
        principal = settings.verifier.principal(token)
        result = (_user(principal, settings), principal)
    setattr(request, _RESULT_ATTR, result)
    setattr(request, PRINCIPAL_ATTR, result[1] if result else None)
    return result


def principal_of(request: Any) -> Principal | None:
    """The principal of an authenticated request (a Django or DRF request), else None."""
    principal = getattr(request, PRINCIPAL_ATTR, None)
    return principal if isinstance(principal, Principal) else None


def _user(principal: Principal, settings: Config) -> Any:
    claim = settings.local_user_claim
    if claim is None:
        return TokenUser(principal)
    value = principal.claims.get(claim)
    if not isinstance(value, str) or not value:
        raise MissingClaimError(claim)
    model = get_user_model()
    field = settings.local_user_field or model.USERNAME_FIELD
    user, created = model.objects.get_or_create(**{field: value})
    if created:
        user.set_unusable_password()  # it signs in through ticketbooth, never here
        user.save(update_fields=["password"])
    if not user.is_active:
        raise AuthenticationError("The user is disabled")
    setattr(user, PRINCIPAL_ATTR, principal)
    return user
