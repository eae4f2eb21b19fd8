"""Two instances sharing PostgreSQL (and Redis): a TOTP code spent on A is refused on B,
and a session ended on A refuses its access token on B within the documented bound
(``TICKETBOOTH_REVOCATION_POLL_SECONDS``, or at once with Redis)."""

from __future__ import annotations

import time

import httpx
import jwt
import pyotp
import pytest

from tests.servers import PASSWORDS, Server, ServerFactory, require_redis

POLL_SECONDS = 1.0

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def instances(
    server_factory: ServerFactory, request: pytest.FixtureRequest
) -> tuple[Server, Server]:
    """Instances A and B on one PostgreSQL; ``indirect`` param True means Redis too."""
    settings = {
        "TICKETBOOTH_REVOKE_ACCESS": "1",
        "TICKETBOOTH_REVOCATION_POLL_SECONDS": str(POLL_SECONDS),
    }
    if getattr(request, "param", True):
        settings["TICKETBOOTH_REDIS_URL"] = require_redis()
    a = server_factory(engine="postgresql", settings=settings)
    b = server_factory(database_url=a.database_url, settings=settings, users={})
    b.passwords.update(a.passwords)
    return a, b


def _tokens(server: Server) -> dict[str, str]:
    with server.client() as client:
        response = client.post(
            "/api/auth/login", json={"username": "john", "password": PASSWORDS["john"]}
        )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _call(server: Server, method: str, path: str, token: str, **kwargs: object) -> httpx.Response:
    with server.client() as client:
        return client.request(
            method,
            path,
            headers={"Authorization": f"Bearer {token}"},
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("instances", [True, False], indirect=True, ids=["redis", "db-poll"])
def test_ending_a_session_on_a_refuses_its_access_token_on_b(
    instances: tuple[Server, Server], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = instances
    doomed = _tokens(a)["accessToken"]
    kept = _tokens(a)["accessToken"]
    sid = jwt.decode(doomed, options={"verify_signature": False})["sid"]
    assert _call(b, "GET", "/api/products/my-info", doomed).status_code == 200

    started = time.monotonic()
    assert _call(a, "DELETE", f"/api/auth/sessions/{sid}", kept).status_code == 204
    deadline = started + POLL_SECONDS + 2.0  # the documented bound, plus scheduling slack
    while (refused := _call(b, "GET", "/api/products/my-info", doomed)).status_code == 200:
        assert time.monotonic() < deadline, "instance B still accepts the ended session's token"
        time.sleep(0.005)
    delay = time.monotonic() - started

    assert refused.status_code == 401
    assert refused.json() == {"message": "The token expired"}
    assert _call(b, "GET", "/api/products/my-info", kept).status_code == 200
    with capsys.disabled():
        print(f"\n  session revocation delay A->B: {delay * 1000:.0f} ms", end="")


def test_a_totp_code_spent_on_a_is_refused_on_b(instances: tuple[Server, Server]) -> None:
    a, b = instances
    access = _tokens(a)["accessToken"]
    secret = _call(a, "POST", "/api/auth/mfa/totp/setup", access).json()["secret"]
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    confirm = _call(
        a, "POST", "/api/auth/mfa/totp/confirm", access, json={"code": totp.generate_otp(step)}
    )
    assert confirm.status_code == 200, confirm.text
    code = totp.generate_otp(step + 1)  # a step neither instance has seen yet

    def second_step(server: Server) -> httpx.Response:
        with server.client() as client:
            first = client.post(
                "/api/auth/login", json={"username": "john", "password": PASSWORDS["john"]}
            )
            token = first.json()["mfaToken"]
            return client.post("/api/auth/login/mfa", json={"mfaToken": token, "code": code})

    assert second_step(a).status_code == 200
    replayed = second_step(b)

    assert replayed.status_code == 401
    assert replayed.json() == {"message": "Invalid code"}
