"""Account routes on the shared server (registration off, no SMTP): every refusal, with
status and message, and ``me``."""

from __future__ import annotations

import httpx
import pytest

from tests.servers import Server, ServerFactory

PASSWORD = "correct horse battery staple"


def test_registration_is_closed_by_default(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/register",
        json={"username": "zoe", "email": "zoe@example.com", "password": PASSWORD},
    )
    assert (response.status_code, response.json()) == (403, {"message": "Registration is closed"})


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/auth/verify-email", {"token": "no-such-link"}, 400, "Invalid or expired link"),
        ("/api/auth/verify-email", {}, 422, "token: Field required"),
        ("/api/auth/reset-password", {"token": "no-such-link", "newPassword": PASSWORD}, 400,
         "Invalid or expired link"),
        ("/api/auth/reset-password", {"token": "x"}, 422, "newPassword: Field required"),
        ("/api/auth/forgot-password", {"email": "not an address"}, 422, None),
        ("/api/auth/resend-verification", {}, 422, "email: Field required"),
        ("/api/auth/forgot-password", {"email": "nobody@example.com"}, 202,
         "If the address belongs to an account, a mail is on its way"),
        ("/api/auth/resend-verification", {"email": "nobody@example.com"}, 202,
         "If the address belongs to an account, a mail is on its way"),
    ],
)  # fmt: skip
def test_refusals_and_answers(
    client: httpx.Client, path: str, body: dict[str, str], status: int, message: str | None
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == status
    if message is None:
        assert response.json()["message"].startswith("email: ")
    else:
        assert response.json() == {"message": message}


def test_me(server: Server, client: httpx.Client) -> None:
    bearer = {"Authorization": f"Bearer {server.token('john')}"}
    me = client.get("/api/auth/me", headers=bearer).json()
    assert me["userName"] == "john" and me["email"] == "john@example.com"
    assert me["emailVerified"] is True and me["role"] == "User"
    assert me["mfa"] == {"totp": False, "recoveryCodes": 0, "passkeys": 0}
    anonymous = client.get("/api/auth/me")
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"message": "Authentication required"},
    )


def test_invite_mode(server_factory: ServerFactory) -> None:
    server = server_factory(settings={"TICKETBOOTH_REGISTRATION": "invite"}, users={})
    made = server.cli("invites", "create", "--role", "Admin", "--days", "1")
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()
    assert len(code) >= 43
    body = {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD}
    with server.client() as client:
        closed = client.post("/api/auth/register", json=body)
        assert (closed.status_code, closed.json()) == (
            403,
            {"message": "Registration is closed"},
        )
        ok = client.post("/api/auth/register", json={**body, "inviteCode": code})
        assert ok.status_code == 202
        used = client.post(
            "/api/auth/register",
            json={"username": "ann", "email": "ann@example.com", "password": PASSWORD,
                  "inviteCode": code},
        )  # fmt: skip
        assert (used.status_code, used.json()) == (403, {"message": "Registration is closed"})
    assert server.login("zoe", PASSWORD)["accessToken"]
    outbox = server.cli("mail", "outbox")
    assert "zoe@example.com / Confirm your email address" in outbox.stdout
    bad = server.cli("invites", "create", "--role", "Boss")
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: unknown role 'Boss'; use one of Admin, User"
