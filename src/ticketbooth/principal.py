"""Who a valid access token says the caller is: a person (user) or a service (client).

Built from a validated token's claims alone, with no database.  It lives at the top of
the package, outside ``auth/``, because the verifier other services import
(:mod:`ticketbooth.verify`) and the framework adapters beside it hand it to their
routes, and they must not pull in the password hasher or the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .tokens.validator import ValidatedToken

PrincipalKind = Literal["user", "client"]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller.

    Attributes:
        user_id: ``sub`` (for a client token, the client id).
        username: ``name`` (empty for a client).
        role: ``role`` (empty for a client: a client never holds a role).
        email: ``email``, when present.
        kind: ``"user"`` for a person's access token, ``"client"`` for a service's
            (RFC 9068 ``at+jwt``) token.
        scopes: the space-separated ``scope`` claim, as a set.
        session_id: ``sid``, the session (login) the token belongs to, when present.
        amr: ``amr`` (RFC 8176), how the session was authenticated.
        client_id: ``client_id``, for client tokens.
        claims: every claim, for policies that need more.
    """

    user_id: str
    username: str
    role: str
    email: str | None = None
    kind: PrincipalKind = "user"
    scopes: frozenset[str] = frozenset()
    session_id: str | None = None
    amr: tuple[str, ...] = ()
    client_id: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], *, kind: PrincipalKind = "user") -> Principal:
        """Build from validated claims; absent or ill-typed optional claims become empty.

        ``kind`` comes from the token's profile (its ``typ``), never from the claims: a
        client token must not become a user because it carries a ``name``.
        """
        return cls(
            user_id=claims["sub"],
            username=_text(claims.get("name")) if kind == "user" else "",
            role=_text(claims.get("role")) if kind == "user" else "",
            email=_text(claims.get("email")) or None,
            kind=kind,
            scopes=frozenset(_text(claims.get("scope")).split()),
            session_id=_text(claims.get("sid")) or None,
            amr=_texts(claims.get("amr")),
            client_id=_text(claims.get("client_id")) or None,
            claims=dict(claims),
        )

    @classmethod
    def of(cls, result: ValidatedToken, kind: PrincipalKind) -> Principal:
        """The caller a validated token names, built once per cached validation.

        A reused token comes back from the validation cache as the same
        :class:`~ticketbooth.tokens.validator.ValidatedToken`, so its ``Principal`` is
        kept in the result's ``memo``: every later request with that token gets the same
        (immutable) object instead of a new one.  Its ``claims`` are then shared too:
        treat them as read-only.
        """
        principal = result.memo.get(kind)
        if principal is None:
            principal = result.memo[kind] = cls.from_claims(result.claims, kind=kind)
        return principal

    @property
    def is_user(self) -> bool:
        """Whether the caller is a person (a user access token)."""
        return self.kind == "user"

    @property
    def is_client(self) -> bool:
        """Whether the caller is a service (a client-credentials token)."""
        return self.kind == "client"

    def has_role(self, *roles: str) -> bool:
        """Whether the caller is a user holding one of ``roles``; a client never is."""
        return self.kind == "user" and self.role in roles

    def has_scope(self, *scopes: str) -> bool:
        """Whether the token grants every one of ``scopes``."""
        return all(scope in self.scopes for scope in scopes)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))
