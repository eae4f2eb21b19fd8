"""``POST /api/auth/passkeys/login/options`` needs no authentication and stores a
challenge per call, so it is limited per client address: with
``TICKETBOOTH_PASSKEY_OPTIONS_REQUESTS=3`` the fourth call from one address is 429,
over a real server on both engines."""

from __future__ import annotations

import pytest

from tests.servers import Server, ServerPool

from .authenticator import SoftAuthenticator
from .conftest import ORIGIN, SITE, access_token, add_passkey, fresh_user, passkey_login

TOO_MANY = {"message": "Too many requests; try again later"}


@pytest.fixture(scope="module")
def limited(module_servers: ServerPool, engine_name: str) -> Server:
    settings = {**SITE, "TICKETBOOTH_PASSKEY_OPTIONS_REQUESTS": "3"}
    return module_servers.start(engine=engine_name, settings=settings)


def test_the_fourth_options_request_from_one_address_is_429(limited: Server) -> None:
    phone = SoftAuthenticator(ORIGIN)
    with limited.client() as client:
        add_passkey(client, access_token(client, fresh_user(limited)), phone)
        granted = [client.post("/api/auth/passkeys/login/options") for _ in range(3)]
        refused = client.post("/api/auth/passkeys/login/options")
        again = client.post("/api/auth/passkeys/login/options")

        assert [r.status_code for r in granted] == [200, 200, 200]
        for response in (refused, again):
            assert response.status_code == 429, response.text
            assert response.json() == TOO_MANY
            assert 1 <= int(response.headers["Retry-After"]) <= 301
        # the limit is on asking, not on signing in: options already given still work
        signed_in = passkey_login(client, phone.get(granted[-1].json()))
        assert signed_in.status_code == 200, signed_in.text
