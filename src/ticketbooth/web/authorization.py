"""``require_scope`` and ``require_policy``: routes that services (clients) may call.

``require_user`` admits people only.  These admit any caller whose access token is valid,
a person or a service, and then ask what the token grants::

    @app.get("/api/orders", dependencies=[Depends(require_scope("orders:read"))])

    add_policy(app, "reports", Policy(scopes=("orders:read",), kinds=("client",)))
    @app.get("/api/reports")
    async def reports(caller: Principal = Depends(require_policy("reports"))): ...

A missing scope answers 403 with ``WWW-Authenticate: Bearer error="insufficient_scope"``
and the scope needed (RFC 6750 §3.1); any other policy failure a plain 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request

from .. import httpauth
from ..errors import ConfigurationError, WrongTokenTypeError
from ..policy import Policies, Policy
from ..principal import Principal
from ..tokens.validator import TokenValidator
from .cookies import access_cookie_token
from .dependencies import _authorization

Authenticate = Callable[..., Awaitable[Principal]]
"""A dependency that returns the caller (``require_principal`` or a verifier's own)."""


async def require_principal(request: Request) -> Principal:
    """The caller, a person or a service, from a valid access token.

    Raises:
        MissingTokenError: no token (401).
        InvalidTokenError: the token fails a check (401).
    """
    validator: TokenValidator = request.app.state.ticketbooth_validator
    header = _authorization(request)
    token = httpauth.bearer_token(header) if header is not None else access_cookie_token(request)
    result = validator.validate_token(token)
    kind = result.profile.kind
    if kind is None:  # an internal token: the service's validator never admits one
        raise WrongTokenTypeError(result.profile.typ, ("jwt", "at+jwt"))
    return Principal.from_claims(result.claims, kind=kind)


def policies_of(app: FastAPI) -> Policies:
    """The app's policy registry (created on first use)."""
    found = getattr(app.state, "ticketbooth_policies", None)
    if found is None:
        found = app.state.ticketbooth_policies = Policies()
    assert isinstance(found, Policies)  # noqa: S101 - only this module sets it
    return found


def add_policy(app: FastAPI, name: str, policy: Policy) -> None:
    """Register ``policy`` as ``name`` on ``app``, once, for :func:`require_policy`.

    Raises:
        ConfigurationError: the name is taken.
    """
    policies_of(app).add(name, policy)


def require_scope(
    *scopes: str, authenticate: Authenticate = require_principal
) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers whose token grants every one of ``scopes``.

    Args:
        scopes: the scopes needed (all of them).
        authenticate: who the caller is; the app's own validator by default.

    Raises:
        InsufficientScopeError: valid token without a needed scope (403).
    """
    if not scopes:
        raise ConfigurationError("require_scope needs at least one scope")
    needed = tuple(scopes)

    async def scope_checker(caller: Principal = Depends(authenticate)) -> Principal:
        return httpauth.require_scopes(caller, needed)

    return scope_checker


def require_policy(
    policy: str | Policy, *, authenticate: Authenticate = require_principal
) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers that satisfy a policy, by name or given inline.

    A name is looked up in the app's registry (:func:`add_policy`) when a request
    arrives, so routes may be declared before the policies are registered.

    Raises:
        InsufficientScopeError: a scope the policy needs is missing (403).
        PermissionDeniedError: another part of the policy fails (403).
    """

    async def policy_checker(
        request: Request, caller: Principal = Depends(authenticate)
    ) -> Principal:
        rule = policies_of(request.app).get(policy) if isinstance(policy, str) else policy
        rule.check(caller)
        return caller

    return policy_checker
