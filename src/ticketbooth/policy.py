"""Authorization policies: named rules over a :class:`~ticketbooth.principal.Principal`.

In the spirit of ASP.NET Core's ``[Authorize(Policy = "...")]``: a policy combines roles,
scopes, claim values and a predicate; it is registered once under a name and routes
ask for it by that name, so the rule lives in one place::

    policies = Policies()
    policies.add("orders.read", Policy(scopes=("orders:read",)))
    policies.add("admins", Policy(roles=("Admin",), claims={"email_verified": (True,)}))

    policies.check("orders.read", principal)   # raises, or returns

Every part given must hold (roles: any one of them; scopes: all of them; claims: each
claim equals one of its values; the predicate: true).  A missing scope raises
:class:`~ticketbooth.tokens.errors.InsufficientScopeError` (RFC 6750 ``insufficient_scope``);
anything else :class:`~ticketbooth.tokens.errors.PermissionDeniedError`.  A client (a
service's token) never holds a role, so a policy with roles admits people only.

Framework-neutral: no web framework here; ``ticketbooth.web.dependencies.require_policy``
and :meth:`ticketbooth.verify.Verifier.fastapi_dependency` turn policies into FastAPI
dependencies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigurationError, PermissionDeniedError
from .httpauth import InsufficientScopeError
from .principal import Principal, PrincipalKind


@dataclass(frozen=True, slots=True)
class Policy:
    """One rule; every part given must hold.

    Attributes:
        roles: the caller is a user holding one of these (empty: any or none).
        scopes: the token grants every one of these.
        claims: each named claim equals one of the values given for it.
        predicate: a last say over the whole principal (``principal.claims`` for more).
        kinds: which callers may pass at all: ``"user"``, ``"client"`` or both.
        message: the 403 message for a failure that is not a missing scope.
    """

    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    claims: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    predicate: Callable[[Principal], bool] | None = None
    kinds: tuple[PrincipalKind, ...] = ("user", "client")
    message: str = "You do not have permission to do this"

    def __post_init__(self) -> None:
        for name in ("roles", "scopes", "kinds"):
            value = getattr(self, name)
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ConfigurationError(f"'{name}' must be a tuple of str (got {value!r})")
            object.__setattr__(self, name, tuple(value))
        if not self.kinds:
            raise ConfigurationError("'kinds' must name at least one caller kind")

    def check(self, principal: Principal) -> None:
        """Return when ``principal`` satisfies the policy.

        Raises:
            InsufficientScopeError: a scope is missing (checked after kind and roles).
            PermissionDeniedError: the kind, a role, a claim or the predicate fails.
        """
        if principal.kind not in self.kinds:
            raise PermissionDeniedError(self.message)
        if self.roles and not principal.has_role(*self.roles):
            raise PermissionDeniedError(self.message)
        if not principal.has_scope(*self.scopes):
            raise InsufficientScopeError(self.scopes)
        for name, allowed in self.claims.items():
            if name not in principal.claims or principal.claims[name] not in allowed:
                raise PermissionDeniedError(self.message)
        if self.predicate is not None and not self.predicate(principal):
            raise PermissionDeniedError(self.message)


class Policies:
    """Policies by name: registered once, asked for by name."""

    def __init__(self, policies: Mapping[str, Policy] | None = None) -> None:
        self._policies: dict[str, Policy] = {}
        for name, policy in (policies or {}).items():
            self.add(name, policy)

    def __contains__(self, name: object) -> bool:
        return name in self._policies

    def add(self, name: str, policy: Policy) -> None:
        """Register ``policy`` as ``name``.

        Raises:
            ConfigurationError: the name is taken (a policy is defined in one place).
        """
        if name in self._policies:
            raise ConfigurationError(f"a policy named {name!r} is already registered")
        self._policies[name] = policy

    def get(self, name: str) -> Policy:
        """The policy named ``name``.

        Raises:
            ConfigurationError: no such policy (a programming error, not the caller's).
        """
        try:
            return self._policies[name]
        except KeyError:
            raise ConfigurationError(f"no policy named {name!r} is registered") from None

    def check(self, name: str, principal: Principal) -> None:
        """Apply the policy named ``name`` to ``principal``.

        Raises:
            ConfigurationError: no such policy.
            InsufficientScopeError, PermissionDeniedError: as :meth:`Policy.check`.
        """
        self.get(name).check(principal)


__all__ = ["Policies", "Policy"]
