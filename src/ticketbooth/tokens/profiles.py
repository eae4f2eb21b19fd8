"""What a token is *for*: its profile, told apart by the ``typ`` header (RFC 8725 3.11).

A signature proves who wrote a token, not what it may be used for.  Every token
ticketbooth signs therefore names its purpose in the ``typ`` header, and a validator
accepts only the profiles it is given:

=====================  ==============  ========  ==========================================
profile                ``typ``         caller    claims it must (not) carry
=====================  ==============  ========  ==========================================
``USER_ACCESS``        ``JWT``         user      never ``client_id``
``CLIENT_ACCESS``      ``at+jwt``      client    ``client_id``, ``iat``, ``jti`` (RFC 9068)
``MFA_STEP``           ``mfa+jwt``     none      ``iat``, ``jti``: a login half-way done
``MAIL_LINK``          ``link+jwt``    none      ``jti``: the secret of a link in a mail
=====================  ==============  ========  ==========================================

The two internal profiles have no caller kind: no route accepts them as access tokens,
so a token that only proves a correct password (second factor still pending) or one
lifted from a mail can never call the API.  ``typ`` is compared as RFC 7515 4.1.9 says:
case-insensitively, with an optional ``application/`` prefix.  A user access token may
omit ``typ`` (RFC 7519 5.1 makes it optional, and other issuers sharing an HMAC secret
omit it); every other profile must carry its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import MalformedTokenError, MissingClaimError

CallerKind = Literal["user", "client"]


@dataclass(frozen=True, slots=True)
class TokenProfile:
    """One kind of token: its ``typ``, the caller it names, and its own claim rules.

    Attributes:
        name: for messages and logs ("user access").
        typ: the ``typ`` header written and required.
        kind: ``"user"`` or ``"client"`` for access tokens; None for internal tokens,
            which no route accepts as an access token.
        required_claims: claims this profile needs beyond the validator's own.
        forbidden_claims: claims that mark a token of another profile.
        is_typ_optional: a token without ``typ`` counts as this profile.
    """

    name: str
    typ: str
    kind: CallerKind | None
    required_claims: tuple[str, ...] = ()
    forbidden_claims: tuple[str, ...] = ()
    is_typ_optional: bool = False

    @property
    def is_access(self) -> bool:
        """Whether tokens of this profile authenticate a caller on a route."""
        return self.kind is not None

    def check(self, claims: Mapping[str, Any]) -> None:
        """This profile's own claim rules.

        Raises:
            MissingClaimError: a claim the profile requires is absent.
            MalformedTokenError: a claim the profile forbids is present.
        """
        for name in self.required_claims:
            if name not in claims:
                raise MissingClaimError(name)
        for name in self.forbidden_claims:
            if name in claims:
                raise MalformedTokenError(f"{name} is not allowed in a {self.name} token")


def normalize_typ(typ: str) -> str:
    """``typ`` as RFC 7515 4.1.9 compares it: lower case, without ``application/``."""
    lowered = typ.lower()
    return lowered.removeprefix("application/")


USER_ACCESS = TokenProfile(
    "user access", "JWT", "user", forbidden_claims=("client_id",), is_typ_optional=True
)
"""A person's access token (API.md's access-token format)."""

CLIENT_ACCESS = TokenProfile(
    "client access", "at+jwt", "client", required_claims=("client_id", "iat", "jti")
)
"""A service's access token from the client-credentials grant (RFC 9068)."""

MFA_STEP = TokenProfile("second-factor step", "mfa+jwt", None, required_claims=("iat", "jti"))
"""Proof of a correct password while the second factor is still to come; never access."""

MAIL_LINK = TokenProfile("mail link", "link+jwt", None, required_claims=("jti",))
"""The one-time secret of a link in a mail (verification, reset); never access."""

ACCESS_PROFILES: tuple[TokenProfile, ...] = (USER_ACCESS, CLIENT_ACCESS)
"""What the service's own routes accept: user tokens, and client tokens for the routes
that admit clients (``require_user`` refuses them)."""
