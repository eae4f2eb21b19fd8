"""A backend job with no user and no shared secret: it proves who it is with a key.

It gets its own access token from ticketbooth with the client-credentials grant,
authenticating by ``private_key_jwt`` (RFC 7523: a short-lived assertion signed with a
private key that never leaves this machine; ticketbooth holds only the public key), then
reads the orders report from ``examples/orders_service.py``, which requires the scope
``orders:read``::

    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out reports.pem
    openssl pkey -in reports.pem -pubout -out reports.pub.pem
    ticketbooth clients add reports --scope orders:read --public-key reports.pub.pem
    python examples/reports_job.py --client-id <client_id> --key reports.pem

Uses Authlib's OAuth 2.0 client (``pip install authlib``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc.jwk import ECKey, OKPKey, RSAKey

KEY_TYPES = {"RS256": RSAKey, "ES256": ECKey, "EdDSA": OKPKey}

ASSERTION_SECONDS = 60
"""How long each client assertion lives; ticketbooth refuses any over 300 seconds."""


class ShortLivedPrivateKeyJWT(PrivateKeyJWT):
    """Authlib's ``private_key_jwt`` with assertions that expire in a minute.

    Authlib's own default is an hour; a short life keeps a stolen assertion nearly
    worthless (and ticketbooth refuses one used twice anyway).
    """

    def sign(self, auth: Any, token_endpoint: str) -> Any:
        now = int(time.time())
        self.claims = {"iat": now, "exp": now + ASSERTION_SECONDS}  # a fresh jti each time
        return super().sign(auth, token_endpoint)


def token_endpoint(issuer_url: str) -> str:
    """The token endpoint from the RFC 8414 metadata."""
    response = httpx.get(issuer_url + "/.well-known/oauth-authorization-server", timeout=10)
    response.raise_for_status()
    return str(response.json()["token_endpoint"])


def fetch_token(issuer_url: str, client_id: str, key_pem: str, alg: str) -> str:
    """An access token for this job, granting ``orders:read``."""
    endpoint = token_endpoint(issuer_url)
    auth = ShortLivedPrivateKeyJWT(endpoint, alg=alg)
    key = KEY_TYPES[alg].import_key(key_pem)
    with OAuth2Client(client_id, key, token_endpoint_auth_method=auth) as client:
        token = client.fetch_token(endpoint, grant_type="client_credentials", scope="orders:read")
    return str(token["access_token"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer-url", default="http://127.0.0.1:8000")
    parser.add_argument("--orders-url", default="http://127.0.0.1:8001")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--key", required=True, help="the PEM private key")
    parser.add_argument("--alg", default="ES256", choices=sorted(KEY_TYPES), help="the key's")
    args = parser.parse_args(argv)
    with open(args.key, encoding="ascii") as file:
        key_pem = file.read()
    try:
        access = fetch_token(args.issuer_url, args.client_id, key_pem, args.alg)
        response = httpx.get(
            args.orders_url + "/api/orders/report",
            headers={"Authorization": f"Bearer {access}"},
            timeout=10,
        )
    except Exception as exc:  # one line for whoever runs the job
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"error: the orders service answered {response.status_code}: {response.text}")
        return 1
    print(json.dumps(response.json(), sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
