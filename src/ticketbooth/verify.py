"""Verify ticketbooth access tokens in another service, from the issuer's published keys.

A service that only *verifies* tokens should hold no secret that could mint them.
:class:`JWKSVerifier` fetches the issuer's discovery document and JWKS, caches the
public keys by ``kid``, and validates exactly as the issuer does, with the same typed
errors::

    verifier = JWKSVerifier("https://auth.example.com", audience="ticketbooth-api")
    claims = verifier.validate(token)            # plain function
    require_user = verifier.fastapi_dependency() # FastAPI: Depends(require_user)

Key fetching is defensive:

* an unknown ``kid`` triggers at most one refetch per ``refetch_interval`` seconds, so a
  flood of tokens with random ``kid`` values cannot flood the issuer;
* when the issuer is down, the cached keys keep working;
* HTTPS is required, except for ``localhost``/loopback addresses.

Tokens written by ASP.NET Core's ``JwtSecurityTokenHandler`` carry ``nameid`` and
``unique_name`` instead of ``sub`` and ``name``; pass ``claim_map=ASPNET_CLAIM_MAP`` to
accept them (off by default: an explicit decision).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ._net import is_loopback
from .errors import ConfigurationError, UnknownKeyError, WrongTokenTypeError
from .principal import Principal
from .tokens.claims import ValidationParameters
from .tokens.keys import ALGORITHMS, Key, KeySet
from .tokens.profiles import USER_ACCESS, TokenProfile
from .tokens.revocation import RevocationList
from .tokens.validator import TokenValidator, ValidatedToken

log = logging.getLogger("ticketbooth.verify")

ASPNET_CLAIM_MAP: Mapping[str, str] = {
    "nameid": "sub",
    "unique_name": "name",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier": "sub",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": "name",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/role": "role",
}
"""How ``JwtSecurityTokenHandler``'s outbound claim names map onto ticketbooth's."""

MAX_DOCUMENT_BYTES = 256 * 1024

DEFAULT_CACHE_SIZE = 10_000
"""Validated tokens a verifier remembers unless told otherwise (as the service does:
``TICKETBOOTH_VALIDATION_CACHE_SIZE``); about 1.5 KB each for ticketbooth's tokens."""


class Verifier:
    """Validates access tokens with a fixed key set (for example a shared HS256 secret).

    Runs the issuer's own pipeline (:class:`~ticketbooth.tokens.TokenValidator`): the
    same profiles (``typ``), claim checks, validation cache and revocation list.

    Args:
        keys: the verification keys.
        issuer: the ``iss`` required.
        audience: the ``aud`` required.
        leeway: clock skew in seconds.
        claim_map: rename claims before validation (``ASPNET_CLAIM_MAP``); a mapped claim
            never overrides one the token already has.
        now: the clock.
        cache_size: validated tokens remembered (:data:`DEFAULT_CACHE_SIZE` by default;
            0 disables the cache).  A reused token then costs a dictionary lookup and the
            lifetime and revocation checks, and its :class:`Principal` is built once.
        revocations: per-user and per-session not-before times to honour.
        profiles: the token profiles accepted; user access tokens only by default.
            Pass :data:`~ticketbooth.tokens.profiles.ACCESS_PROFILES` to admit service
            (client) tokens too: :meth:`principal` then says which kind called.
    """

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        leeway: float = 0.0,
        claim_map: Mapping[str, str] | None = None,
        now: Callable[[], float] = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
        revocations: RevocationList | None = None,
        profiles: Iterable[TokenProfile] = (USER_ACCESS,),
    ) -> None:
        self._validator = TokenValidator(
            keys,
            ValidationParameters(
                issuer=issuer, audience=audience, leeway=leeway, algorithms=frozenset(ALGORITHMS)
            ),
            now=now,
            cache_size=cache_size,
            revocations=revocations,
            profiles=profiles,
            claim_map=claim_map,
        )
        self._now = now

    @property
    def params(self) -> ValidationParameters:
        """What tokens must say (issuer, audience, leeway, algorithms)."""
        return self._validator.params

    @property
    def keys(self) -> KeySet:
        """The verification keys in use."""
        return self._validator.keys

    def _validate(self, token: str) -> ValidatedToken:
        return self._validator.validate_token(token)

    def validate(self, token: str) -> dict[str, Any]:
        """The claims of a valid token.

        Raises:
            InvalidTokenError: the matching subclass, exactly as the issuer raises it.
        """
        return dict(self._validate(token).claims)

    def principal(self, token: str) -> Principal:
        """The caller as a :class:`Principal` whose kind comes from the token's profile.

        Raises:
            InvalidTokenError: the token fails a check.
            WrongTokenTypeError: the token is of a profile that names no caller.
        """
        result = self._validate(token)
        kind = result.profile.kind
        if kind is None:
            raise WrongTokenTypeError(result.profile.typ, ("jwt", "at+jwt"))
        return Principal.of(result, kind)

    def fastapi_dependency(self) -> Callable[..., Awaitable[Principal]]:
        """A FastAPI dependency answering like ticketbooth's own ``require_user``.

        Register ticketbooth's error handlers on the app too
        (``ticketbooth.web.errors.install_handlers(app)``) for RFC 6750 answers.
        """
        from .web.dependencies import bearer_dependency

        return bearer_dependency(self.principal)


class JWKSVerifier(Verifier):
    """Validates tokens with the public keys an issuer publishes.

    Args:
        issuer_url: the issuer's base URL; ``/.well-known/openid-configuration`` is read
            from it, and its ``issuer`` becomes the required ``iss`` unless ``issuer`` is given.
        audience: the ``aud`` required.
        issuer: the ``iss`` required, when it differs from the discovery document's.
        refetch_interval: the least seconds between two fetches caused by unknown ``kid``s.
        max_age: seconds after which cached keys are refreshed on the next use
            (failures keep the cached keys).
        timeout: seconds for each HTTP request to the issuer.
        leeway, claim_map, now, cache_size, revocations, profiles: as for
            :class:`Verifier`.

    Raises:
        ConfigurationError: ``issuer_url`` is plain HTTP to a non-loopback host.
    """

    def __init__(
        self,
        issuer_url: str,
        audience: str,
        *,
        issuer: str | None = None,
        refetch_interval: float = 30.0,
        max_age: float = 300.0,
        timeout: float = 5.0,
        leeway: float = 0.0,
        claim_map: Mapping[str, str] | None = None,
        now: Callable[[], float] = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
        revocations: RevocationList | None = None,
        profiles: Iterable[TokenProfile] = (USER_ACCESS,),
    ) -> None:
        self.issuer_url = _check_url(issuer_url.rstrip("/"))
        super().__init__(
            KeySet([]),
            issuer=issuer or "unset",
            audience=audience,
            leeway=leeway,
            claim_map=claim_map,
            now=now,
            cache_size=cache_size,
            revocations=revocations,
            profiles=profiles,
        )
        self._explicit_issuer = issuer
        self._refetch_interval = refetch_interval
        self._max_age = max_age
        self._timeout = timeout
        self._lock = threading.Lock()
        self._fetched_at: float | None = None
        self._attempted_at = float("-inf")
        self.fetch_count = 0
        """How many times the JWKS was fetched (for monitoring and tests)."""

    def _validate(self, token: str) -> ValidatedToken:
        stale = self._fetched_at is None or self._now() - self._fetched_at >= self._max_age
        if stale and self._may_fetch():
            self.refresh()
        try:
            return super()._validate(token)
        except UnknownKeyError:
            # A kid we have not seen: the issuer may have rotated.  Ask again, but at most
            # once per refetch_interval, so random kids cannot flood the issuer.
            if not self._may_fetch() or not self.refresh():
                raise
            return super()._validate(token)

    def _may_fetch(self) -> bool:
        return self._now() - self._attempted_at >= self._refetch_interval

    def refresh(self) -> bool:
        """Fetch discovery and JWKS now; on failure keep the cached keys.  True on success."""
        with self._lock:
            self._attempted_at = self._now()
            try:
                discovery = self._get_json(self.issuer_url + "/.well-known/openid-configuration")
                jwks_uri = _check_url(str(discovery["jwks_uri"]))
                document = self._get_json(jwks_uri)
                keys = _import_jwks(document)
                issuer = self._explicit_issuer or str(discovery["issuer"])
            except (OSError, ValueError, KeyError, TypeError, ConfigurationError) as exc:
                log.warning("could not fetch keys from %s: %s", self.issuer_url, exc)
                return False
            self.fetch_count += 1
            self._validator.replace_keys(keys)
            if issuer != self.params.issuer:
                self._validator.replace_params(dataclasses.replace(self.params, issuer=issuer))
            self._fetched_at = self._now()
            return True

    def _get_json(self, url: str) -> dict[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked
        with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
            body = response.read(MAX_DOCUMENT_BYTES + 1)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError("document too large")
        value = json.loads(body)
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value


def _import_jwks(document: dict[str, Any]) -> KeySet:
    keys: list[Key] = []
    for jwk in document.get("keys", []):
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        try:
            keys.append(Key.import_jwk(jwk))
        except ConfigurationError as exc:
            log.warning("skipping a JWK: %s", exc.message)
    return KeySet(keys)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return url
    raise ConfigurationError(f"{url!r}: keys must be fetched over https (http only for localhost)")


__all__ = ["ASPNET_CLAIM_MAP", "DEFAULT_CACHE_SIZE", "JWKSVerifier", "Verifier"]
