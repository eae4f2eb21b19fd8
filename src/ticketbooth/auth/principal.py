"""Who a valid access token says the caller is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, built from a validated token's claims (no database).

    Attributes:
        user_id: ``sub``.
        username: ``name``.
        role: ``role``.
        email: ``email``, when present.
        claims: every claim, for policies that need more.
    """

    user_id: str
    username: str
    role: str
    email: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        """Build from validated claims; absent optional claims become empty strings."""
        name = claims.get("name")
        role = claims.get("role")
        email = claims.get("email")
        return cls(
            user_id=claims["sub"],
            username=name if isinstance(name, str) else "",
            role=role if isinstance(role, str) else "",
            email=email if isinstance(email, str) else None,
            claims=claims,
        )

    def has_role(self, *roles: str) -> bool:
        """Whether the caller holds one of ``roles``."""
        return self.role in roles
