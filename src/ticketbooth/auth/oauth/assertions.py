"""``private_key_jwt`` (RFC 7523 §2.2, §3): checking a client's signed assertion.

The assertion must say ``iss`` = ``sub`` = the client id, name this server in ``aud``
(the token endpoint URL or the issuer), expire within :data:`MAX_LIFETIME` seconds, and
carry a ``jti`` that was never used before: each id is recorded in the database until the
assertion expires, with one conditional insert, so a replay is refused by every instance.

Keys come from the client's registration: a PEM public key, or a JWKS URL read by
:class:`ticketbooth.verify.JWKSVerifier` (the same caching and refetch limits as any
verifier of ticketbooth's own tokens).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from ...errors import (
    ConfigurationError,
    InvalidTokenError,
    MalformedTokenError,
    MissingClaimError,
)
from ...store.client_records import AssertionReplayRepository, ClientRecord
from ...tokens import decode_unverified
from ...tokens.claims import CHECKS, ClaimCheck, ValidationParameters
from ...tokens.keys import KeySet
from ...tokens.profiles import TokenProfile
from ...verify import JWKSVerifier, Verifier
from .clients import public_key_from_pem
from .errors import InvalidClientError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_LIFETIME = 300
"""Seconds an assertion may still have to live (``exp`` - now) when it arrives."""

CLIENT_ASSERTION = TokenProfile(
    "client assertion", "JWT", None, required_claims=("jti",), is_typ_optional=True
)
"""What a client signs: a plain JWT (``typ`` optional), never an access token."""

MAX_VERIFIERS = 1_000


def _check_jti(claims: dict[str, Any], params: ValidationParameters, now: float) -> None:
    if "jti" not in claims:
        raise MissingClaimError("jti")
    if not claims["jti"]:
        raise MalformedTokenError("jti is empty")


_CHECKS: dict[str, ClaimCheck] = {
    "required claims": CHECKS["required claims"],
    "lifetime": CHECKS["lifetime"],
    "issuer": CHECKS["issuer"],
    "jti": _check_jti,
}
"""The default checks without the audience (checked against several values here)."""


class AssertionVerifier:
    """Verifies client assertions and refuses replays.

    Args:
        replays: the table of used ``jti`` values.
        leeway: clock skew, seconds.
        now: the clock.
        refetch_interval, max_age: for clients with a JWKS URL, as :class:`JWKSVerifier`.
    """

    def __init__(
        self,
        replays: AssertionReplayRepository,
        *,
        leeway: float = 0.0,
        now: Callable[[], float] = time.time,
        refetch_interval: float = 30.0,
        max_age: float = 300.0,
    ) -> None:
        self._replays = replays
        self._leeway = leeway
        self._now = now
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._jwks: dict[tuple[str, str], JWKSVerifier] = {}
        self._lock = threading.Lock()

    def verify(
        self, client: ClientRecord, assertion: str, audiences: Collection[str]
    ) -> dict[str, Any]:
        """The claims of a valid, first-used assertion by ``client``.

        Raises:
            InvalidClientError: the assertion fails any check, or was used before.
        """
        try:
            claims = self._verifier(client, assertion).validate(assertion)
        except InvalidTokenError as exc:
            raise InvalidClientError(f"The client assertion is invalid: {exc.message}") from exc
        if claims.get("sub") != client.client_id:
            raise InvalidClientError("The client assertion's sub must be the client id")
        aud = claims.get("aud")
        named = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if not any(isinstance(a, str) and a in audiences for a in named):
            raise InvalidClientError(
                "The client assertion's aud must be the token endpoint URL or the issuer"
            )
        now = self._now()
        if float(claims["exp"]) - now > MAX_LIFETIME + self._leeway:
            raise InvalidClientError(
                f"The client assertion lives too long: exp may be at most {MAX_LIFETIME} "
                "seconds ahead"
            )
        key = hashlib.sha256(f"{client.client_id}\0{claims['jti']}".encode()).hexdigest()
        if not self._replays.claim(key, float(claims["exp"]) + self._leeway, now):
            raise InvalidClientError("The client assertion was already used")
        return claims

    def _verifier(self, client: ClientRecord, assertion: str) -> Verifier:
        if client.public_key_pem is not None:
            header = _header(assertion)
            kid = header.get("kid")
            try:
                key = public_key_from_pem(
                    client.public_key_pem.encode("ascii"),
                    kid=kid if isinstance(kid, str) and kid else None,
                )
            except ConfigurationError as exc:
                raise InvalidClientError("The client's registered key is unusable") from exc
            return Verifier(
                KeySet([key]),
                issuer=client.client_id,
                audience="unused",
                leeway=self._leeway,
                now=self._now,
                profiles=(CLIENT_ASSERTION,),
                checks=_CHECKS,
            )
        if client.jwks_uri is None:
            raise InvalidClientError("This client authenticates with a secret")
        return self._jwks_verifier(client.client_id, client.jwks_uri)

    def _jwks_verifier(self, client_id: str, jwks_uri: str) -> JWKSVerifier:
        with self._lock:
            verifier = self._jwks.get((client_id, jwks_uri))
            if verifier is None:
                if len(self._jwks) >= MAX_VERIFIERS:
                    self._jwks.pop(next(iter(self._jwks)))
                verifier = JWKSVerifier(
                    jwks_uri,
                    "unused",
                    issuer=client_id,
                    jwks_uri=jwks_uri,
                    refetch_interval=self._refetch_interval,
                    max_age=self._max_age,
                    leeway=self._leeway,
                    now=self._now,
                    profiles=(CLIENT_ASSERTION,),
                    checks=_CHECKS,
                )
                self._jwks[(client_id, jwks_uri)] = verifier
            return verifier


def _header(assertion: str) -> dict[str, Any]:
    try:
        return decode_unverified(assertion)[0]
    except (InvalidTokenError, IndexError) as exc:
        raise InvalidClientError("The client assertion is not a JWT") from exc
