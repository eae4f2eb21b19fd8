"""Checks of the settings alone: lifetimes, keys, browsers, and the deployment's shape."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from .._net import is_loopback
from ..auth.passkeys.relying_party import RelyingParty
from ..errors import ConfigurationError
from ._findings import Deployment, Finding, Severity

MAX_CLOCK_SKEW_SECONDS = 60
MAX_ACCESS_MINUTES = 60
MAX_REFRESH_DAYS = 30
DEFAULT_ROTATION_DAYS = 90
"""The rotation period assumed when ``TICKETBOOTH_ROTATE_DAYS`` is not set."""


# -- lifetimes --------------------------------------------------------------------------


def check_clock_skew(d: Deployment) -> Iterator[Finding]:
    """``clock-skew``: a leeway over 60 s keeps expired tokens alive that long."""
    skew = d.settings.clock_skew_seconds
    if skew > MAX_CLOCK_SKEW_SECONDS:
        yield Finding(
            "medium",
            "clock-skew",
            f"clock skew is {skew:g} s: expired tokens keep working that long",
            f"set TICKETBOOTH_CLOCK_SKEW_SECONDS to {MAX_CLOCK_SKEW_SECONDS} or less "
            "and keep clocks in sync with NTP",
        )


def check_access_lifetime(d: Deployment) -> Iterator[Finding]:
    """``access-lifetime``: access tokens living over 60 minutes."""
    minutes = d.settings.access_minutes
    if minutes > MAX_ACCESS_MINUTES:
        yield Finding(
            "medium",
            "access-lifetime",
            f"access tokens live {minutes:g} minutes: a stolen one works that long",
            f"set TICKETBOOTH_ACCESS_MINUTES to {MAX_ACCESS_MINUTES} or less "
            "(clients refresh silently)",
        )


def check_refresh_lifetime(d: Deployment) -> Iterator[Finding]:
    """``refresh-lifetime``: refresh tokens living over 30 days."""
    days = d.settings.refresh_days
    if days > MAX_REFRESH_DAYS:
        yield Finding(
            "medium",
            "refresh-lifetime",
            f"refresh tokens live {days:g} days: a stolen one signs its holder in that long",
            f"set TICKETBOOTH_REFRESH_DAYS to {MAX_REFRESH_DAYS} or less",
        )


# -- keys -------------------------------------------------------------------------------


def check_hs256_jwks(d: Deployment) -> Iterator[Finding]:
    """``hs256-jwks``: other services expect a JWKS, but HS256 keys are never in one."""
    if not d.settings.jwks_consumers:
        return
    published = d.published.jwks if d.published else None
    is_empty = published is not None and not published.get("keys")
    if d.settings.algorithm == "HS256" or is_empty:
        yield Finding(
            "high",
            "hs256-jwks",
            "other services expect /.well-known/jwks.json, but HS256 keys are never "
            "published: they would need the secret, which lets them mint tokens too",
            "set TICKETBOOTH_ALGORITHM=ES256 (or RS256, EdDSA); other services then verify "
            "with ticketbooth.verify.JWKSVerifier",
        )


def check_key_age(d: Deployment) -> Iterator[Finding]:
    """``key-age``: the active key has signed for longer than the rotation period."""
    since = d.key_active_since
    if since is None:
        return
    period = d.settings.rotate_days or DEFAULT_ROTATION_DAYS
    age_days = (d.now - since).total_seconds() / 86400
    if age_days > period:
        yield Finding(
            "medium",
            "key-age",
            f"the active signing key has signed for {age_days:.0f} days; "
            f"the rotation period is {period:g}",
            "run `ticketbooth keys rotate`, or set TICKETBOOTH_ROTATE_DAYS to rotate automatically",
        )


# -- the browser side -------------------------------------------------------------------


def check_cookies(d: Deployment) -> Iterator[Finding]:
    """``cookie-insecure``: cookies without ``Secure`` outside localhost."""
    if d.settings.cookie_secure:
        return
    host = urlsplit(d.published.url).hostname if d.published else None
    if host is not None and is_loopback(host):
        return
    # Off, cookies lose Secure on every request naming a loopback host: also those a
    # reverse proxy forwards to localhost on behalf of browsers on the internet.
    severity: Severity = "high" if host is not None else "medium"
    where = f"the service runs on {host}" if host is not None else "unless used only locally"
    yield Finding(
        severity,
        "cookie-insecure",
        f"TICKETBOOTH_COOKIE_SECURE is off, {where}: behind a proxy that forwards to "
        "localhost, cookies lose Secure and travel over plain HTTP",
        "unset TICKETBOOTH_COOKIE_SECURE (the default is on) and serve over HTTPS",
    )


def check_cors(d: Deployment) -> Iterator[Finding]:
    """``cors-wildcard-credentials``: any origin, with the user's cookies."""
    # Settings refuses this pair at load (reported as config-invalid); kept as a second
    # line for settings built another way.
    if "*" in d.settings.cors_origins and d.settings.cors_allow_credentials:
        yield Finding(
            "high",
            "cors-wildcard-credentials",
            "CORS allows any origin with credentials: any web site can call the API "
            "as the signed-in user",
            "list the front-end origins in TICKETBOOTH_CORS_ORIGINS instead of *",
        )


def check_passkeys(d: Deployment) -> Iterator[Finding]:
    """``passkeys-ip``: the passkeys' relying party is an IP address, where browsers
    offer no passkeys (``serve`` logs the same); ``passkey-origins``: origins that are
    not on the relying party's domain, which ``serve`` refuses.

    Said only when ``TICKETBOOTH_PUBLIC_URL`` or ``TICKETBOOTH_PASSKEY_RP_ID`` is set:
    the default, ``http://127.0.0.1:8000``, is for a first local run.
    """
    s = d.settings
    if not {"public_url", "passkey_rp_id"} & s.model_fields_set:
        return
    try:
        relying_party = RelyingParty.create(
            public_url=s.public_url,
            name=s.issuer,
            extra_origins=s.passkey_origins,
            rp_id=s.passkey_rp_id,
        )
    except ConfigurationError as exc:
        yield Finding(
            "high",
            "passkey-origins",
            exc.message,
            "put every origin on the relying party's domain (TICKETBOOTH_PASSKEY_RP_ID); "
            "`ticketbooth serve` refuses to start until then",
        )
        return
    if not relying_party.is_usable:
        variable = "TICKETBOOTH_PASSKEY_RP_ID" if s.passkey_rp_id else "TICKETBOOTH_PUBLIC_URL"
        yield Finding(
            "medium",
            "passkeys-ip",
            f"{variable} names the IP address {relying_party.id}: browsers offer no "
            "passkeys there, so nobody can add one or sign in with one",
            "set TICKETBOOTH_PUBLIC_URL to the domain name people open "
            "(https://auth.example.com), or http://localhost:PORT for a local try",
        )


# -- deployment shape -------------------------------------------------------------------


def check_sqlite(d: Deployment) -> Iterator[Finding]:
    """``sqlite-workers``: SQLite under several workers (medium) or instances (high)."""
    s = d.settings
    if not s.database_url.startswith("sqlite"):
        return
    if s.instances > 1:
        yield Finding(
            "high",
            "sqlite-workers",
            f"{s.instances} instances share a SQLite database: a database file cannot be "
            "shared safely between hosts or containers",
            "use PostgreSQL (TICKETBOOTH_DATABASE_URL=postgresql+psycopg://...)",
        )
    elif s.workers > 1:
        yield Finding(
            "medium",
            "sqlite-workers",
            f"{s.workers} workers write to one SQLite database: logins and refreshes "
            "queue behind each other",
            "use PostgreSQL, or TICKETBOOTH_WORKERS=1",
        )


def check_redis(d: Deployment) -> Iterator[Finding]:
    """``no-redis``: per-process rate limits under several workers or instances."""
    s = d.settings
    if s.redis_url or not s.rate_limits:
        return
    if s.instances > 1:
        yield Finding(
            "high",
            "no-redis",
            f"{s.instances} instances without Redis: each counts failed logins on its "
            f"own, so an attacker gets {s.instances} times the guesses",
            "set TICKETBOOTH_REDIS_URL so the instances share rate limits and revocations",
        )
    elif s.workers > 1:
        yield Finding(
            "medium",
            "no-redis",
            f"{s.workers} workers without Redis: each counts failed logins on its own",
            "set TICKETBOOTH_REDIS_URL so the workers share rate limits",
        )


def check_rate_limits(d: Deployment) -> Iterator[Finding]:
    """``rate-limits-off``: failed logins are not limited at all."""
    if not d.settings.rate_limits:
        yield Finding(
            "high",
            "rate-limits-off",
            "failed-login limits are off: passwords can be guessed as fast as the service answers",
            "unset TICKETBOOTH_RATE_LIMITS (the default is on)",
        )
