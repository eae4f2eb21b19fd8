"""Checks tokens: signature with the key the token names, its profile, then every claim.

The pipeline, in order: bound and parse the compact JWS and verify its signature
(:mod:`._compact`), pick the :class:`~.profiles.TokenProfile` its ``typ`` names among
those this validator accepts, rename claims (``claim_map``), run this validator's claim
checks and the profile's own rules, then the revocation list.

An optional cache maps the exact token string to its validated result, so a client that
reuses its token pays a dictionary lookup and the lifetime check.  Only successes are
cached; an entry never outlives its token (``exp`` is checked on every hit), and
:meth:`TokenValidator.replace_keys` and :meth:`TokenValidator.forget` drop what a key
retirement or a revocation covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigurationError, RevokedTokenError, WrongTokenTypeError
from . import _compact
from .claims import CHECKS, ClaimCheck, ValidationParameters
from .keys import KeySet
from .profiles import USER_ACCESS, TokenProfile, normalize_typ
from .revocation import RevocationList


@dataclass(frozen=True, slots=True)
class ValidatedToken:
    """A token that passed every check.

    Attributes:
        claims: the payload (shared with the cache: treat as read-only).
        profile: what the token is for (its ``typ``).
        kid: the key that verified it.
        memo: what callers derive from the claims, kept with the cached result so a
            reused token derives it once (:meth:`ticketbooth.principal.Principal.of`
            keeps the caller's ``Principal`` here).
    """

    claims: dict[str, Any] = field(repr=False)
    profile: TokenProfile
    kid: str
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


_Entry = tuple[ValidatedToken, float, float]
"""the result, exp, the later of nbf and iat (or -inf)."""


class TokenValidator:
    """Validates tokens against a key set, :class:`ValidationParameters` and profiles.

    Args:
        keys: the verification keys (replace after a rotation with :meth:`replace_keys`).
        params: issuer, audience, algorithms, leeway and required claims.
        now: the clock, seconds since the epoch; injected so tests move time.
        cache_size: how many validated tokens to remember (0, the default, disables the
            cache).  Each entry holds the token and its claims: at most about 10 KB, as
            tokens over 8 KB are refused.
        revocations: per-user and per-session not-before times; tokens they cover are
            refused, cached or not.
        profiles: the token profiles accepted (by ``typ``); user access tokens only by
            default.  A validator for internal tokens is given their profile alone, so
            they and access tokens never pass for each other.
        checks: this validator's claim checks by name, in order (the defaults of
            :data:`~.claims.CHECKS` when omitted).
        claim_map: rename claims before the checks (``{"nameid": "sub"}``); a mapped
            claim never overrides one the token already has.

    Raises:
        ConfigurationError: ``cache_size`` is negative, or no profile is given.

    Each failure raises its own :class:`~ticketbooth.tokens.errors.InvalidTokenError`
    subclass, whose ``description`` is the RFC 6750 ``error_description``.
    """

    def __init__(
        self,
        keys: KeySet,
        params: ValidationParameters,
        *,
        now: Callable[[], float] = time.time,
        cache_size: int = 0,
        revocations: RevocationList | None = None,
        profiles: Iterable[TokenProfile] = (USER_ACCESS,),
        checks: Mapping[str, ClaimCheck] | None = None,
        claim_map: Mapping[str, str] | None = None,
    ) -> None:
        if cache_size < 0:
            raise ConfigurationError("'cache_size' must be >= 0")
        self._profiles = {normalize_typ(p.typ): p for p in profiles}
        if not self._profiles:
            raise ConfigurationError("'profiles' must name at least one token profile")
        self._untyped = next((p for p in self._profiles.values() if p.is_typ_optional), None)
        self._keys = keys
        self.params = params
        self.checks: Mapping[str, ClaimCheck] = dict(CHECKS if checks is None else checks)
        self._claim_map = dict(claim_map or {})
        self._now = now
        self._cache_size = cache_size
        self._cache: dict[str, _Entry] = {}
        self.revocations = revocations

    @property
    def keys(self) -> KeySet:
        """The key set in use."""
        return self._keys

    @property
    def profiles(self) -> tuple[TokenProfile, ...]:
        """The profiles accepted."""
        return tuple(self._profiles.values())

    def replace_keys(self, keys: KeySet) -> None:
        """Verify with a new key set from now on; cached tokens of dropped keys are forgotten."""
        self._keys = keys
        kept = {key.kid for key in keys}
        for token, entry in list(self._cache.items()):
            if entry[0].kid not in kept:
                self._cache.pop(token, None)

    def replace_params(self, params: ValidationParameters) -> None:
        """Check against new parameters from now on; every cached validation is dropped."""
        self.params = params
        self._cache.clear()

    def forget(self, subject: str | None = None) -> None:
        """Drop cached validations: of one ``sub``, or all (after a revocation)."""
        if subject is None:
            self._cache.clear()
            return
        for token, entry in list(self._cache.items()):
            if entry[0].claims.get("sub") == subject:
                self._cache.pop(token, None)

    def validate(self, token: str) -> dict[str, Any]:
        """The claims of a valid token (see :meth:`validate_token` for its profile).

        Raises:
            MalformedTokenError: not a well-formed JWT, too large, or a claim of the
                wrong type.
            WrongTokenTypeError: the ``typ`` names no profile this validator accepts.
            UnsupportedAlgorithmError: the header's ``alg`` is not the key's own.
            UnknownKeyError: no verification key has the token's ``kid``.
            BadSignatureError: the signature does not verify.
            MissingClaimError: a required claim is absent.
            ExpiredTokenError: expired beyond the leeway.
            NotYetValidError: ``nbf``/``iat`` in the future beyond the leeway.
            WrongIssuerError: ``iss`` is not the configured issuer.
            WrongAudienceError: ``aud`` does not contain the configured audience.
            RevokedTokenError: the user or the session was signed out after issue.
        """
        return self.validate_token(token).claims

    def validate_token(self, token: str) -> ValidatedToken:
        """The claims of a valid token, with its profile and verifying key.

        Raises:
            InvalidTokenError: the subclass for the first check that fails, as
                :meth:`validate` lists them.
        """
        if self._cache_size:
            entry = self._cache.get(token)
            if entry is not None:
                now = self._now()
                leeway = self.params.leeway
                if entry[1] + leeway > now and entry[2] - leeway <= now:
                    return self._unrevoked(entry[0])
                self._cache.pop(token, None)  # expired: the full check says exactly why
        header, claims, key = _compact.verify(token, self._keys, self.params.algorithms)
        profile = self._profile(header)
        for source, target in self._claim_map.items():
            if source in claims and target not in claims:
                claims[target] = claims[source]
        now = self._now()
        for check in self.checks.values():
            check(claims, self.params, now)
        profile.check(claims)
        result = ValidatedToken(claims, profile, key.kid)
        if self._cache_size:
            self._remember(token, result)
        return self._unrevoked(result)

    def _profile(self, header: dict[str, Any]) -> TokenProfile:
        if "typ" not in header:
            if self._untyped is None:
                raise WrongTokenTypeError(None, tuple(self._profiles))
            return self._untyped
        typ = header["typ"]
        profile = self._profiles.get(normalize_typ(typ)) if type(typ) is str else None
        if profile is None:
            raise WrongTokenTypeError(typ, tuple(self._profiles))
        return profile

    def _unrevoked(self, result: ValidatedToken) -> ValidatedToken:
        if self.revocations is not None and self.revocations.is_revoked(result.claims):
            raise RevokedTokenError(str(result.claims.get("sub")))
        return result

    def _remember(self, token: str, result: ValidatedToken) -> None:
        if len(self._cache) >= self._cache_size:
            # Evict the oldest entry (dicts keep insertion order): O(1), no bookkeeping.
            self._cache.pop(next(iter(self._cache)), None)
        claims = result.claims
        starts = [float(claims[name]) for name in ("nbf", "iat") if name in claims]
        self._cache[token] = (
            result,
            float(claims["exp"]),
            max(starts, default=float("-inf")),
        )
