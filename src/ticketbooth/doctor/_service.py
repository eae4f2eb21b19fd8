"""What a running service publishes: fetched once (the only I/O of the doctor), then judged."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from .._net import is_loopback
from ..config import Settings
from ._findings import Deployment, Finding, Published

MAX_DOCUMENT_BYTES = 256 * 1024


def check_published(d: Deployment) -> Iterator[Finding]:
    """``url-not-https``, ``url-unreachable``, ``issuer-mismatch``, ``jwks-private-key``."""
    published = d.published
    if published is None:
        return
    parts = urlsplit(published.url)
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        yield Finding(
            "high",
            "url-not-https",
            f"{published.url} is plain HTTP: tokens and passwords cross the network in clear",
            "serve behind a TLS-terminating proxy and publish the https:// URL",
        )
    if published.error is not None:
        yield Finding(
            "high",
            "url-unreachable",
            f"cannot read the discovery document and JWKS of {published.url}: {published.error}",
            "start the service, or pass the URL it is reachable at",
        )
        return
    yield from _check_documents(d.settings, published)


_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _check_documents(settings: Settings, published: Published) -> Iterator[Finding]:
    issuer = (published.discovery or {}).get("issuer")
    if issuer != settings.issuer:
        yield Finding(
            "medium",
            "issuer-mismatch",
            f"the service's issuer is {issuer!r} but this configuration says "
            f"{settings.issuer!r}: the findings above may describe another configuration",
            "run `ticketbooth check` with the service's own environment",
        )
    keys = (published.jwks or {}).get("keys") or []
    if any(isinstance(k, dict) and _PRIVATE_JWK_MEMBERS.intersection(k) for k in keys):
        yield Finding(
            "high",
            "jwks-private-key",
            "the JWKS publishes private or secret key material: anyone can mint tokens",
            "retire the published keys now (`ticketbooth keys retire KID`) and fix the "
            "JWKS endpoint",
        )


def fetch_published(url: str, *, timeout: float = 5.0) -> Published:
    """Fetch a running service's discovery document and JWKS (the doctor's one I/O).

    Failures are reported in :attr:`Published.error`, never raised.
    """
    base = url.rstrip("/")
    try:
        discovery = _get_json(base + "/.well-known/openid-configuration", timeout)
        jwks_uri = discovery.get("jwks_uri")
        jwks = _get_json(
            jwks_uri if isinstance(jwks_uri, str) else base + "/.well-known/jwks.json", timeout
        )
    except (OSError, ValueError) as exc:
        return Published(base, error=str(exc) or type(exc).__name__)
    return Published(base, discovery=discovery, jwks=jwks)


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url}: document too large")
    value = json.loads(body)
    if not isinstance(value, dict):
        raise ValueError(f"{url}: not a JSON object")
    return value
