"""Small network helpers shared by the verifier, the doctor and the web layer."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether ``host`` is ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_https(url: str) -> str:
    """``url`` when it is HTTPS, or plain HTTP to a loopback host (keys are fetched there).

    Raises:
        ConfigurationError: any other URL.
    """
    from urllib.parse import urlsplit

    from .errors import ConfigurationError

    refused = ConfigurationError(
        f"{url!r}: keys must be fetched over https (http only for localhost)"
    )
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed host, such as an unclosed IPv6 bracket
        raise refused from None
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return url
    raise refused
