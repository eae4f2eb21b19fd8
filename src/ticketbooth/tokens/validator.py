"""Checks access tokens: signature with the key the token names, then every claim.

An optional cache maps the exact token string to its validated claims, so a client that
reuses its token pays a dictionary lookup and the lifetime check.  Only successes are
cached; an entry never outlives its token (``exp`` is checked on every hit), and
:meth:`TokenValidator.replace_keys` and :meth:`TokenValidator.forget` drop what a key
retirement or a revocation covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from . import _compact
from .claims import ValidationParameters, validate_claims
from .errors import ConfigurationError, RevokedTokenError
from .keys import KeySet
from .revocation import RevocationList

_Entry = tuple[dict[str, Any], float, float, str]
"""claims, exp, the later of nbf and iat (or -inf), kid of the verifying key."""


class TokenValidator:
    """Validates access tokens against a key set and :class:`ValidationParameters`.

    Args:
        keys: the verification keys (replace after a rotation with :meth:`replace_keys`).
        params: issuer, audience, algorithms, leeway and required claims.
        now: the clock, seconds since the epoch; injected so tests move time.
        cache_size: how many validated tokens to remember (0, the default, disables the
            cache).  Each entry holds the token and its claims: at most about 10 KB, as
            tokens over 8 KB are refused.
        revocations: per-user not-before times; tokens they cover are refused, cached
            or not.

    Each failure raises its own :class:`~ticketbooth.tokens.errors.InvalidTokenError`
    subclass, whose ``description`` is the RFC 6750 ``error_description``.  The claims
    returned are shared with the cache: treat them as read-only.
    """

    def __init__(
        self,
        keys: KeySet,
        params: ValidationParameters,
        *,
        now: Callable[[], float] = time.time,
        cache_size: int = 0,
        revocations: RevocationList | None = None,
    ) -> None:
        if cache_size < 0:
            raise ConfigurationError("'cache_size' must be >= 0")
        self._keys = keys
        self.params = params
        self._now = now
        self._cache_size = cache_size
        self._cache: dict[str, _Entry] = {}
        self.revocations = revocations

    @property
    def keys(self) -> KeySet:
        """The key set in use."""
        return self._keys

    def replace_keys(self, keys: KeySet) -> None:
        """Verify with a new key set from now on; cached tokens of dropped keys are forgotten."""
        self._keys = keys
        kept = {key.kid for key in keys}
        for token, entry in list(self._cache.items()):
            if entry[3] not in kept:
                self._cache.pop(token, None)

    def forget(self, subject: str | None = None) -> None:
        """Drop cached validations: of one ``sub``, or all (after a revocation)."""
        if subject is None:
            self._cache.clear()
            return
        for token, entry in list(self._cache.items()):
            if entry[0].get("sub") == subject:
                self._cache.pop(token, None)

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
            RevokedTokenError: the user was signed out everywhere after issue.
        """
        if self._cache_size:
            entry = self._cache.get(token)
            if entry is not None:
                now = self._now()
                leeway = self.params.leeway
                if entry[1] + leeway > now and entry[2] - leeway <= now:
                    return self._unrevoked(entry[0])
                self._cache.pop(token, None)  # expired: the full check says exactly why
        claims, key = _compact.verify(token, self._keys, self.params.algorithms)
        validate_claims(claims, self.params, self._now())
        if self._cache_size:
            self._remember(token, claims, key.kid)
        return self._unrevoked(claims)

    def _unrevoked(self, claims: dict[str, Any]) -> dict[str, Any]:
        if self.revocations is not None and self.revocations.is_revoked(claims):
            raise RevokedTokenError(str(claims.get("sub")))
        return claims

    def _remember(self, token: str, claims: dict[str, Any], kid: str) -> None:
        if len(self._cache) >= self._cache_size:
            # Evict the oldest entry (dicts keep insertion order): O(1), no bookkeeping.
            self._cache.pop(next(iter(self._cache)), None)
        starts = [float(claims[name]) for name in ("nbf", "iat") if name in claims]
        self._cache[token] = (
            claims,
            float(claims["exp"]),
            max(starts, default=float("-inf")),
            kid,
        )
