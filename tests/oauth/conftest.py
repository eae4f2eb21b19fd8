"""One real ``serve`` per engine (SQLite and PostgreSQL), with a client of each kind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from joserfc.jwk import ECKey

from tests.databases import ENGINES
from tests.oauth.helpers import JwksHost, ec_jwk, register, rsa_pem, serve_jwks
from tests.servers import PASSWORDS, ROLES, Server, ServerPool

PUBLIC_URL = "https://auth.example.com"


@dataclass
class OAuthSetup:
    """A server and its registered clients."""

    server: Server
    secret: dict[str, str]  # client_id, client_secret; scopes orders:read orders:write
    pem_id: str
    pem_private: str  # RSA, registered with --public-key
    jwks_id: str
    jwks_key: ECKey  # P-256, published at jwks_host
    jwks_host: JwksHost
    database_url: str

    @property
    def token_endpoint(self) -> str:
        return self.server.base_url + "/oauth/token"


@pytest.fixture(scope="module", params=ENGINES)
def oauth(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OAuthSetup]:
    """A running server on each engine, users admin and john, and three clients."""
    with ExitStack() as stack:
        pool = stack.enter_context(ServerPool(tmp_path_factory))
        users = {n: (ROLES[n], PASSWORDS[n]) for n in PASSWORDS}
        settings = {"TICKETBOOTH_PUBLIC_URL": PUBLIC_URL}  # as behind a proxy
        server = pool.start(engine=request.param, users=users, settings=settings)
        workdir = server.workdir
        url = server.database_url
        jwk = ec_jwk()
        host = stack.enter_context(serve_jwks(jwk))
        private, public = rsa_pem()
        (workdir / "client.pub.pem").write_bytes(public)
        secret = register(server, "svc", "--scope", "orders:read", "--scope", "orders:write")
        pem = register(
            server,
            "pem-job",
            "--scope",
            "orders:read",
            "--public-key",
            str(workdir / "client.pub.pem"),
        )
        jwks = register(server, "jwks-job", "--scope", "orders:read", "--jwks-uri", host.url)
        yield OAuthSetup(
            server, secret, pem["client_id"], private, jwks["client_id"], jwk, host, url
        )
