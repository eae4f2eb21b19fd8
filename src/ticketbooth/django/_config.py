"""``settings.TICKETBOOTH``: which verifier checks tokens, and the optional local-user mapping.

::

    TICKETBOOTH = {
        "ISSUER_URL": "https://auth.example.com",   # public keys via discovery and JWKS
        "AUDIENCE": "ticketbooth-api",
        # or, with the shared secret instead of the JWKS (HS256):
        # "SECRET_KEY": env("TICKETBOOTH_SECRET_KEY"), "ISSUER": "ticketbooth",
        "LEEWAY": 0,                 # seconds of clock skew on exp/nbf
        "COOKIES": False,            # also read ticketbooth's access_token cookie (+ CSRF rule)
        "LOCAL_USER_CLAIM": None,    # e.g. "sub": map each token to a local Django user
        "LOCAL_USER_FIELD": None,    # the user model's field that claim matches (USERNAME_FIELD)
    }

``"VERIFIER"`` may instead hold a ready :class:`~ticketbooth.verify.Verifier`.  The
verifier is built once, on first use, and rebuilt when the setting changes
(``override_settings`` in tests): Django's settings are process-wide, so the verifier
that follows them is too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from ..errors import ConfigurationError
from ..tokens.keys import Key, KeySet
from ..verify import JWKSVerifier, Verifier

SETTING = "TICKETBOOTH"
KNOWN = frozenset(
    {
        "AUDIENCE",
        "COOKIES",
        "ISSUER",
        "ISSUER_URL",
        "LEEWAY",
        "LOCAL_USER_CLAIM",
        "LOCAL_USER_FIELD",
        "SECRET_KEY",
        "VERIFIER",
    }
)


class ConfigError(ImproperlyConfigured):
    """``settings.TICKETBOOTH`` is missing or wrong; the message names the key."""


@dataclass(frozen=True, slots=True)
class Config:
    """The parsed setting.

    Attributes:
        verifier: validates every token.
        cookies: also read the access cookie (cookie mode).
        local_user_claim: the claim that names a local Django user, or None (no mapping).
        local_user_field: the user model's field the claim matches, or None for its
            ``USERNAME_FIELD``.
    """

    verifier: Verifier
    cookies: bool = False
    local_user_claim: str | None = None
    local_user_field: str | None = None


_cache: dict[str, Config] = {}


def config() -> Config:
    """The configuration from ``settings.TICKETBOOTH``, built on first use.

    Raises:
        ConfigError: the setting is missing, names an unknown key, or gives no keys.
    """
    found = _cache.get(SETTING)
    if found is None:
        found = _cache[SETTING] = parse(getattr(settings, SETTING, None))
    return found


def settings_verifier() -> Verifier:
    """The verifier ``settings.TICKETBOOTH`` describes.

    Raises:
        ConfigError: see :func:`config`.
    """
    return config().verifier


def parse(raw: object) -> Config:
    """A :class:`Config` from the setting's value.

    Raises:
        ConfigError: the value is missing, names an unknown key, or gives no keys.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError("settings.TICKETBOOTH must be a dict (see ticketbooth.django)")
    unknown = sorted(set(raw) - KNOWN)
    if unknown:
        raise ConfigError(f"settings.TICKETBOOTH: unknown key {unknown[0]!r}")
    claim = raw.get("LOCAL_USER_CLAIM")
    field = raw.get("LOCAL_USER_FIELD")
    return Config(
        verifier=_verifier(raw),
        cookies=bool(raw.get("COOKIES", False)),
        local_user_claim=str(claim) if claim else None,
        local_user_field=str(field) if field else None,
    )


def _verifier(raw: Mapping[str, Any]) -> Verifier:
    given = raw.get("VERIFIER")
    if given is not None:
        if not isinstance(given, Verifier):
            raise ConfigError("settings.TICKETBOOTH['VERIFIER'] must be a ticketbooth Verifier")
        return given
    audience = str(raw.get("AUDIENCE", "ticketbooth-api"))
    issuer = raw.get("ISSUER")
    try:
        leeway = float(raw.get("LEEWAY", 0))
        if raw.get("ISSUER_URL"):
            return JWKSVerifier(
                str(raw["ISSUER_URL"]),
                audience,
                issuer=str(issuer) if issuer else None,
                leeway=leeway,
            )
        if raw.get("SECRET_KEY"):
            keys = KeySet([Key.from_secret(str(raw["SECRET_KEY"]).encode())])
            return Verifier(
                keys, issuer=str(issuer or "ticketbooth"), audience=audience, leeway=leeway
            )
    except (ConfigurationError, ValueError, TypeError) as exc:
        message = exc.message if isinstance(exc, ConfigurationError) else str(exc)
        raise ConfigError(f"settings.TICKETBOOTH: {message}") from exc
    raise ConfigError("settings.TICKETBOOTH needs ISSUER_URL (the JWKS) or SECRET_KEY (HS256)")


def _reset(*, setting: str, **_kwargs: object) -> None:
    if setting == SETTING:
        _cache.clear()


setting_changed.connect(_reset)
