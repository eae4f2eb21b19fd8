"""The relying party: the domain passkeys are bound to and the origins that may use them."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ...errors import ConfigurationError


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased, default ports dropped."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return f"{parts.scheme}://{host}" + ("" if port in (None, default) else f":{port}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who passkeys are registered with.

    Attributes:
        id: the RP id, a domain: a passkey works on that domain and its subdomains.
        name: what the authenticator shows beside the account name.
        origins: every origin (``scheme://host[:port]``) whose pages may register and
            use passkeys; each host is the RP id or a subdomain of it.
    """

    id: str
    name: str
    origins: tuple[str, ...]

    @classmethod
    def create(
        cls,
        *,
        public_url: str,
        name: str,
        extra_origins: Sequence[str] = (),
        rp_id: str | None = None,
    ) -> RelyingParty:
        """The relying party of a deployment reached at ``public_url``.

        Args:
            public_url: ``TICKETBOOTH_PUBLIC_URL``, the address people open.
            name: the RP name (``TICKETBOOTH_ISSUER``).
            extra_origins: ``TICKETBOOTH_PASSKEY_ORIGINS``.
            rp_id: ``TICKETBOOTH_PASSKEY_RP_ID``; the host of ``public_url`` by default.

        Raises:
            ConfigurationError: an origin whose host is not the RP id nor beneath it
                (browsers would refuse every ceremony there).
        """
        primary = origin_of(public_url)
        origins = tuple(dict.fromkeys([primary, *(origin_of(o) for o in extra_origins)]))
        domain = rp_id or (urlsplit(public_url).hostname or "").lower()
        for origin in origins:
            host = urlsplit(origin).hostname or ""
            if host != domain and not host.endswith("." + domain):
                variable = "TICKETBOOTH_PASSKEY_RP_ID" if rp_id else "TICKETBOOTH_PASSKEY_ORIGINS"
                raise ConfigurationError(
                    f"{variable}: {origin} is not on {domain} or beneath it, so browsers "
                    "would refuse its passkeys; see docs/passkeys.md"
                )
        return cls(id=domain, name=name, origins=origins)

    @property
    def is_usable(self) -> bool:
        """Whether browsers accept this RP id (an IP address is never a valid one)."""
        return not _is_ip(self.id)
