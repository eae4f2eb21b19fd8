"""Named policies: roles, scopes, claim values and a predicate, registered once."""

from __future__ import annotations

import pytest

from ticketbooth import Policies, Policy, Principal
from ticketbooth.errors import ConfigurationError, PermissionDeniedError
from ticketbooth.httpauth import InsufficientScopeError

ADMIN = Principal.from_claims(
    {"sub": "1", "name": "admin", "role": "Admin", "email_verified": True}, kind="user"
)
JOHN = Principal.from_claims({"sub": "2", "name": "john", "role": "User"}, kind="user")
REPORTS = Principal.from_claims(
    {"sub": "c1", "client_id": "c1", "scope": "orders:read", "role": "Admin"}, kind="client"
)


def test_scopes_must_all_be_granted() -> None:
    policy = Policy(scopes=("orders:read",))
    policy.check(REPORTS)
    with pytest.raises(InsufficientScopeError) as refused:
        Policy(scopes=("orders:read", "orders:write")).check(REPORTS)
    assert refused.value.scopes == ("orders:read", "orders:write")
    with pytest.raises(InsufficientScopeError):
        policy.check(JOHN)  # a user token carries no scope


def test_a_client_never_holds_a_role_even_if_its_claims_say_so() -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        Policy(roles=("Admin",)).check(REPORTS)
    assert not isinstance(refused.value, InsufficientScopeError)
    assert refused.value.message == "You do not have permission to do this"
    Policy(roles=("Admin",)).check(ADMIN)


def test_kinds_claims_and_predicate() -> None:
    people = Policy(kinds=("user",), message="people only")
    with pytest.raises(PermissionDeniedError, match="people only"):
        people.check(REPORTS)
    verified = Policy(claims={"email_verified": (True,)})
    verified.check(ADMIN)
    with pytest.raises(PermissionDeniedError):
        verified.check(JOHN)  # claim absent
    even = Policy(predicate=lambda p: p.user_id == "2")
    even.check(JOHN)
    with pytest.raises(PermissionDeniedError):
        even.check(ADMIN)


def test_registered_once_and_used_by_name() -> None:
    policies = Policies({"reports": Policy(scopes=("orders:read",))})
    assert "reports" in policies
    policies.check("reports", REPORTS)
    with pytest.raises(ConfigurationError, match="already registered"):
        policies.add("reports", Policy())
    with pytest.raises(ConfigurationError, match="no policy named 'missing'"):
        policies.check("missing", REPORTS)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"roles": "Admin"}, "'roles' must be a tuple of str (got 'Admin')"),
        ({"kinds": ()}, "'kinds' must name at least one caller kind"),
    ],
)
def test_misconfigured_policies_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Policy(**kwargs)  # type: ignore[arg-type]
    assert refused.value.message == message
