"""Checks access tokens: signature with the key the token names, then every claim."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import _compact
from .claims import ValidationParameters, validate_claims
from .keys import KeySet


class TokenValidator:
    """Validates access tokens against a key set and :class:`ValidationParameters`.

    Args:
        keys: the verification keys (replace after a rotation with :meth:`replace_keys`).
        params: issuer, audience, algorithms, leeway and required claims.
        now: the clock, seconds since the epoch; injected so tests move time.

    Each failure raises its own :class:`~ticketbooth.tokens.errors.InvalidTokenError`
    subclass, whose ``description`` is the RFC 6750 ``error_description``.
    """

    def __init__(
        self,
        keys: KeySet,
        params: ValidationParameters,
        *,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self.params = params
        self._now = now

    @property
    def keys(self) -> KeySet:
        """The key set in use."""
        return self._keys

    def replace_keys(self, keys: KeySet) -> None:
        """Verify with a new key set from now on (after a rotation or retirement)."""
        self._keys = keys

    def validate(self, token: str) -> dict[str, Any]:
        """The claims of a valid token.

        Raises:
            MalformedTokenError: not a well-formed JWT, too large, or a claim of the
                wrong type.
            UnsupportedAlgorithmError: the header's ``alg`` is not the key's own.
            UnknownKeyError: no verification key has the token's ``kid``.
            BadSignatureError: the signature does not verify.
            MissingClaimError: a required claim is absent.
            ExpiredTokenError: expired beyond the leeway.
            NotYetValidError: ``nbf``/``iat`` in the future beyond the leeway.
            WrongIssuerError: ``iss`` is not the configured issuer.
            WrongAudienceError: ``aud`` does not contain the configured audience.
        """
        claims = _compact.decode(token, self._keys, self.params.algorithms)
        validate_claims(claims, self.params, self._now())
        return claims
