"""OAuth 2.0 clients that authenticate with a shared secret where a key would do."""

from __future__ import annotations

from collections.abc import Iterator

from ._findings import Deployment, Finding

MAX_NAMED = 5


def check_secret_clients(d: Deployment) -> Iterator[Finding]:
    """``client-secret``: secret clients (``private_key_jwt`` sends no secret at all)."""
    if not d.secret_clients:
        return
    names = ", ".join(d.secret_clients[:MAX_NAMED])
    more = len(d.secret_clients) - MAX_NAMED
    if more > 0:
        names += f" and {more} more"
    yield Finding(
        "medium",
        "client-secret",
        f"{len(d.secret_clients)} OAuth client(s) authenticate with a shared secret ({names}):"
        " the secret travels with every token request and lives in the service's config",
        "register the service's public key instead (`ticketbooth clients add NAME "
        "--public-key PEM` or `--jwks-uri URL`), switch it to private_key_jwt, then delete "
        "the secret client",
    )
