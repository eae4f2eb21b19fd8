"""The Accounts section of API.md against a real ``serve`` and a real SMTP server,
on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest

from tests.mailbox import DELIVERY_BOUND_SECONDS, Mailbox, html_of, link_token, mailbox, text_of
from tests.servers import Server, ServerFactory

__all__ = ["mailbox"]

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "an entirely new passphrase"
CHECK_INBOX = {"message": "Check your inbox to confirm your email address"}
INVALID_LINK = {"message": "Invalid or expired link"}


@pytest.fixture
def accounts_server(server_factory: ServerFactory, engine_name: str, mailbox: Mailbox) -> Server:
    return server_factory(
        engine=engine_name,
        settings={
            "TICKETBOOTH_SMTP_URL": mailbox.url,
            "TICKETBOOTH_REGISTRATION": "open",
            "TICKETBOOTH_PUBLIC_URL": "https://auth.example.com",
            "TICKETBOOTH_MAIL_FROM": "Ticketbooth <auth@example.com>",
        },
        users={"admin": ("Admin", PASSWORD)},
    )


def register(
    client: httpx.Client, name: str, email: str, password: str = PASSWORD
) -> httpx.Response:
    return client.post(
        "/api/auth/register", json={"username": name, "email": email, "password": password}
    )


def test_sign_up_verify_sign_in_and_me(accounts_server: Server, mailbox: Mailbox) -> None:
    with accounts_server.client() as client:
        response = register(client, "zoe", "zoe@example.com")
        assert (response.status_code, response.json()) == (202, CHECK_INBOX)
        [mail] = mailbox.wait_for("zoe@example.com")
        assert mail["Subject"] == "Confirm your email address"
        assert mail["From"] == "Ticketbooth <auth@example.com>"
        assert "https://auth.example.com/verify-email?token=" in text_of(mail)
        assert 'href="https://auth.example.com/verify-email?token=' in html_of(mail)
        token = client.post("/api/auth/login", json={"username": "ZOE", "password": PASSWORD})
        access = token.json()["accessToken"]
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"}).json()
        assert me["emailVerified"] is False
        response = client.post("/api/auth/verify-email", json={"token": link_token(mail)})
        assert response.status_code == 204
        again = client.post("/api/auth/verify-email", json={"token": link_token(mail)})
        assert (again.status_code, again.json()) == (400, INVALID_LINK)
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"}).json()
        assert me["userName"] == "zoe" and me["email"] == "zoe@example.com"
        assert me["emailVerified"] is True and me["role"] == "User"
        assert me["mfa"] == {"totp": False, "recoveryCodes": 0, "passkeys": 0}
        assert me["createdAt"].endswith("Z") and me["userId"].isdigit()


def test_a_registered_address_gets_the_same_answer(
    accounts_server: Server, mailbox: Mailbox
) -> None:
    with accounts_server.client() as client:
        assert register(client, "zoe", "zoe@example.com").status_code == 202
        response = register(client, "mallory", "Zoe@Example.com")
        assert (response.status_code, response.json()) == (202, CHECK_INBOX)
        mails = mailbox.wait_for("zoe@example.com", 2)
        assert sorted(m["Subject"] for m in mails) == [
            "Confirm your email address",
            "You already have an account",
        ]
        login = client.post("/api/auth/login", json={"username": "mallory", "password": PASSWORD})
        assert login.status_code == 401


def test_forgot_and_reset_password_end_every_session(
    accounts_server: Server, mailbox: Mailbox
) -> None:
    with accounts_server.client() as client:
        register(client, "zoe", "zoe@example.com")
        old = client.post("/api/auth/login", json={"username": "zoe", "password": PASSWORD})
        known = client.post("/api/auth/forgot-password", json={"email": "ZOE@example.com"})
        unknown = client.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 202
        assert known.json() == unknown.json()
        reset = next(
            m
            for m in mailbox.wait_for("zoe@example.com", 2)
            if m["Subject"] == "Reset your password"
        )
        assert "https://auth.example.com/reset-password?token=" in text_of(reset)
        [notice] = mailbox.wait_for("nobody@example.com")
        assert "token=" not in text_of(notice)
        weak = client.post(
            "/api/auth/reset-password", json={"token": link_token(reset), "newPassword": "password"}
        )
        assert weak.status_code == 422
        assert weak.json() == {"message": "the password is on the list of commonly used passwords"}
        body = {"token": link_token(reset), "newPassword": NEW_PASSWORD}
        assert client.post("/api/auth/reset-password", json=body).status_code == 204
        again = client.post("/api/auth/reset-password", json=body)
        assert (again.status_code, again.json()) == (400, INVALID_LINK)
        refresh = client.post(
            "/api/auth/refresh-token", json={"refreshToken": old.json()["refreshToken"]}
        )
        assert refresh.status_code == 401
        assert (
            client.post(
                "/api/auth/login", json={"username": "zoe", "password": NEW_PASSWORD}
            ).status_code
            == 200
        )


def test_twenty_simultaneous_uses_of_one_reset_link(
    accounts_server: Server, mailbox: Mailbox
) -> None:
    with accounts_server.client() as client:
        register(client, "zoe", "zoe@example.com")
        client.post("/api/auth/forgot-password", json={"email": "zoe@example.com"})
    reset = next(
        m for m in mailbox.wait_for("zoe@example.com", 2) if m["Subject"] == "Reset your password"
    )
    token = link_token(reset)
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def use(n: int) -> None:
        # Each use hashes the new password (argon2id) before the conditional UPDATE, and
        # 20 hashes queue on the hashing pool: allow the queue, not just one request.
        with httpx.Client(base_url=accounts_server.base_url, timeout=180) as client:
            barrier.wait()
            response = client.post(
                "/api/auth/reset-password",
                json={"token": token, "newPassword": f"{NEW_PASSWORD} {n}"},
            )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=use, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses) == {204: 1, 400: 19}


def test_change_password_ends_every_other_session(accounts_server: Server) -> None:
    with accounts_server.client() as client:
        mine = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        other = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        bearer = {"Authorization": f"Bearer {mine.json()['accessToken']}"}
        wrong = client.post(
            "/api/auth/change-password",
            json={"currentPassword": "not the password", "newPassword": NEW_PASSWORD},
            headers=bearer,
        )
        assert (wrong.status_code, wrong.json()) == (
            400,
            {"message": "The current password is incorrect"},
        )
        ok = client.post(
            "/api/auth/change-password",
            json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
            headers=bearer,
        )
        assert ok.status_code == 204
        gone = client.post(
            "/api/auth/refresh-token", json={"refreshToken": other.json()["refreshToken"]}
        )
        assert gone.status_code == 401
        kept = client.post(
            "/api/auth/refresh-token", json={"refreshToken": mine.json()["refreshToken"]}
        )
        assert kept.status_code == 200
        anonymous = client.post(
            "/api/auth/change-password",
            json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        )
        assert (anonymous.status_code, anonymous.json()) == (
            401,
            {"message": "Authentication required"},
        )


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"username": "zoe", "email": "nope", "password": PASSWORD}, 422, None),
        ({"username": "zoe", "email": "zoe@example.com", "password": "short"}, 422,
         "the password must be at least 8 characters"),
        ({"username": "zo e", "email": "zoe@example.com", "password": PASSWORD}, 422,
         "usernames are 1-150 characters of letters, digits and _ . @ + -"),
        ({"username": "ADMIN", "email": "new@example.com", "password": PASSWORD}, 409,
         "The username is taken"),
        ({"email": "zoe@example.com", "password": PASSWORD}, 422, "username: Field required"),
    ],
)  # fmt: skip
def test_register_refusals(
    accounts_server: Server, body: dict[str, str], status: int, message: str | None
) -> None:
    with accounts_server.client() as client:
        response = client.post("/api/auth/register", json=body)
    assert response.status_code == status
    if message is None:
        assert response.json()["message"].startswith("email: ")
    else:
        assert response.json() == {"message": message}


def test_mail_survives_an_smtp_outage(accounts_server: Server, mailbox: Mailbox) -> None:
    mailbox.stop()
    with accounts_server.client() as client:
        response = register(client, "zoe", "zoe@example.com")
        assert (response.status_code, response.json()) == (202, CHECK_INBOX)
    pending = accounts_server.cli("mail", "outbox")
    assert pending.returncode == 0 and "zoe@example.com" in pending.stdout
    mailbox.start()
    [mail] = mailbox.wait_for("zoe@example.com")
    assert mail["Subject"] == "Confirm your email address"
    deadline = time.monotonic() + DELIVERY_BOUND_SECONDS  # marked sent just after sending
    while accounts_server.cli("mail", "outbox").stdout.strip() != "no mail waiting":
        assert time.monotonic() < deadline, "the delivered mail is still pending"
