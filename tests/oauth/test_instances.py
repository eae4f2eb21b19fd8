"""Two instances on one database (SQLite file and PostgreSQL): a revocation made at one is
refused by the other, a client assertion used at one is refused by the other, and failed
client authentication is rate limited and audited."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.databases import ENGINES, postgres_database
from tests.oauth.helpers import assert_oauth_error, post_form, register, rsa_pem
from tests.oauth.test_token import with_assertion
from tests.servers import Server, ServerFactory

REVOCATION_POLL_SECONDS = 0.2
WAIT_SECONDS = 10 * REVOCATION_POLL_SECONDS + 5  # polls, plus the query time of a busy box


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / 'shared.db'}"
        else:
            yield stack.enter_context(postgres_database())


def _wait(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout} s")
        time.sleep(0.05)


def _pair(server_factory: ServerFactory, url: str, **env: str) -> tuple[Server, Server]:
    settings = {"TICKETBOOTH_DATABASE_URL": url, **env}
    first = server_factory(settings=settings)
    second = server_factory(settings=settings, users={})
    return first, second


def test_a_revoked_access_token_is_refused_by_the_second_instance(
    server_factory: ServerFactory, database_url: str
) -> None:
    a, b = _pair(
        server_factory,
        database_url,
        TICKETBOOTH_REVOKE_ACCESS="true",
        TICKETBOOTH_REVOCATION_POLL_SECONDS=str(REVOCATION_POLL_SECONDS),
    )
    client = register(a, "svc", "--scope", "orders:read")
    auth = (client["client_id"], client["client_secret"])
    issued = post_form(a, "/oauth/token", {"grant_type": "client_credentials"}, auth=auth)
    token = issued.json()["access_token"]

    def active_at(server: Server) -> bool:
        answer = post_form(server, "/oauth/introspect", {"token": token}, auth=auth)
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["active"])

    assert active_at(b)
    revoked = post_form(a, "/oauth/revoke", {"token": token}, auth=auth)
    assert revoked.status_code == 200
    assert not active_at(a)  # at once where it was revoked
    _wait(lambda: not active_at(b), WAIT_SECONDS)
    # a user's access token revoked at one instance is refused at the other too
    user_token = a.token("john")

    def products_status() -> int:
        with b.client() as http:
            headers = {"Authorization": f"Bearer {user_token}"}
            return http.get("/api/products", headers=headers).status_code

    assert products_status() == 200
    revoked = post_form(a, "/oauth/revoke", {"token": user_token}, auth=auth)
    assert revoked.status_code == 200
    _wait(lambda: products_status() == 401, WAIT_SECONDS)
    # revoking a refresh token ends its session: the session's access token is refused
    # at the other instance too (RFC 7009 section 2.1)
    login = a.login("john")
    user_token = str(login["accessToken"])
    assert products_status() == 200
    revoked = post_form(a, "/oauth/revoke", {"token": str(login["refreshToken"])}, auth=auth)
    assert revoked.status_code == 200
    _wait(lambda: products_status() == 401, WAIT_SECONDS)


def test_an_assertion_used_at_one_instance_is_refused_at_the_other(
    server_factory: ServerFactory, database_url: str, tmp_path: Path
) -> None:
    from authlib.oauth2.rfc7523 import private_key_jwt_sign
    from joserfc.jwk import RSAKey

    a, b = _pair(server_factory, database_url)
    private, public = rsa_pem()
    (tmp_path / "pub.pem").write_bytes(public)
    client_id = register(a, "job", "--public-key", str(tmp_path / "pub.pem"))["client_id"]
    now = int(time.time())
    signed = private_key_jwt_sign(
        RSAKey.import_key(private),
        client_id=client_id,
        token_endpoint="ticketbooth",  # the issuer: both instances are that one service
        alg="RS256",
        claims={"iat": now, "exp": now + 60},
    )
    text = signed.decode() if isinstance(signed, bytes) else str(signed)
    assert post_form(a, "/oauth/token", with_assertion(text)).status_code == 200
    replay = post_form(b, "/oauth/token", with_assertion(text))
    assert_oauth_error(replay, 401, "invalid_client", "The client assertion was already used")


def test_failed_client_authentication_is_rate_limited_and_audited(
    server_factory: ServerFactory, database_url: str
) -> None:
    server = server_factory(
        settings={"TICKETBOOTH_DATABASE_URL": database_url, "TICKETBOOTH_LOGIN_USER_FAILURES": "3"},
        users={},
    )
    client = register(server, "svc")
    grant = {"grant_type": "client_credentials"}
    for _ in range(3):
        wrong = post_form(server, "/oauth/token", grant, auth=(client["client_id"], "wrong"))
        assert_oauth_error(wrong, 401, "invalid_client", "Client authentication failed")
    right = (client["client_id"], client["client_secret"])
    limited = post_form(server, "/oauth/token", grant, auth=right)
    assert_oauth_error(limited, 429, "invalid_client", "Too many failed attempts; try again later")
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["WWW-Authenticate"] == 'Basic realm="ticketbooth"'

    tail = server.cli("audit", "tail", "--limit", "50")
    assert tail.returncode == 0, tail.stderr
    events = [json.loads(line) for line in tail.stdout.splitlines()]
    failures = [e for e in events if e["event"] == "client_auth"]
    assert len(failures) == 3
    assert all(e["outcome"] == "failure" for e in failures)
    assert {e["detail"]["client_id"] for e in failures} == {client["client_id"]}
    assert any(e["event"] == "client_rate_limited" for e in events)
    assert not any(e["event"] == "rate_limited" for e in events)  # that is people's sign-ins
    assert client["client_secret"] not in tail.stdout  # never a secret in the trail
    with server.client() as http:
        metrics = http.get("/metrics").text
    assert 'ticketbooth_client_authentications_total{outcome="failure"} 3.0' in metrics
    assert 'ticketbooth_client_authentications_total{outcome="rate_limited"} 1.0' in metrics
    assert 'ticketbooth_logins_total{outcome="rate_limited"} 0.0' in metrics
