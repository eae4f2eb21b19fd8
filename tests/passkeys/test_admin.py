"""An operator removes a user's passkeys (a lost or stolen device): the console's
``DELETE /api/admin/users/{id}/passkeys`` and ``users remove-passkeys``, over a real
server on both engines.  Refusals for want of a token, of the role or of the CSRF
header are in tests/http/test_admin_refusals.py."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from tests.servers import Server

from .authenticator import SoftAuthenticator
from .conftest import (
    ORIGIN,
    PASSWORD,
    access_token,
    add_passkey,
    bearer,
    fresh_user,
    login_options,
    passkey_login,
    refusals,
)

REFUSED = {"message": "The passkey was not accepted"}


@pytest.fixture(scope="module")
def admin(site: Server) -> dict[str, str]:
    """The Authorization header of an Admin of the site."""
    name = f"admin{secrets.token_hex(4)}"
    site.add_user(name, "Admin", PASSWORD)
    with site.client() as client:
        return bearer(access_token(client, name))


def _user(client: httpx.Client, admin: dict[str, str], name: str) -> dict[str, Any]:
    found = client.get("/api/admin/users", params={"q": name}, headers=admin).json()["items"]
    user: dict[str, Any] = next(u for u in found if u["userName"] == name)
    return user


def test_an_admin_removes_every_passkey_and_none_signs_in(
    site: Server, client: httpx.Client, admin: dict[str, str], phone: SoftAuthenticator
) -> None:
    laptop = SoftAuthenticator(ORIGIN)
    name = fresh_user(site)
    access = access_token(client, name)
    add_passkey(client, access, phone)
    add_passkey(client, access, laptop, "Laptop")
    user = _user(client, admin, name)
    assert user["mfa"] == {"totp": False, "passkeys": 2}
    detail = client.get(f"/api/admin/users/{user['id']}", headers=admin)
    assert detail.json()["mfa"] == {"totp": False, "passkeys": 2}

    # the thief signs in with the stolen phone; the owner has a password session too
    stolen = passkey_login(client, phone.get(login_options(client)))
    assert stolen.status_code == 200, stolen.text
    owner = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})

    response = client.delete(f"/api/admin/users/{user['id']}/passkeys", headers=admin)
    again = client.delete(f"/api/admin/users/{user['id']}/passkeys", headers=admin)

    assert (response.status_code, response.json()) == (200, {"removed": 2, "sessionsEnded": 1})
    assert (again.status_code, again.json()) == (200, {"removed": 0, "sessionsEnded": 0})
    # what the stolen device already got is gone; the password's session lives on
    kept = {"refreshToken": owner.json()["refreshToken"]}
    thief = {"refreshToken": stolen.json()["refreshToken"]}
    assert client.post("/api/auth/refresh-token", json=thief).status_code == 401
    assert client.post("/api/auth/refresh-token", json=kept).status_code == 200
    ended = client.get(
        "/api/admin/audit", params={"user": name, "event": "sessions_revoked"}, headers=admin
    ).json()["items"]
    assert [e["detail"]["method"] for e in ended][:2] == ["hwk", "hwk"]
    after = client.get(f"/api/admin/users/{user['id']}", headers=admin).json()
    assert after["mfa"] == {"totp": False, "passkeys": 0}
    assert client.get("/api/auth/passkeys", headers=bearer(access)).json() == []
    for device in (phone, laptop):
        refused = passkey_login(client, device.get(login_options(client)))
        assert (refused.status_code, refused.json()) == (401, REFUSED)
    assert refusals(site)[-2:] == ["unknown_credential", "unknown_credential"]
    # the password still signs in; the user can register a new passkey
    add_passkey(client, access_token(client, name), SoftAuthenticator(ORIGIN))
    events = client.get(
        "/api/admin/audit", params={"user": name, "event": "passkeys_deleted"}, headers=admin
    ).json()["items"]
    admin_name = client.get("/api/auth/me", headers=admin).json()["userName"]
    assert [(e["outcome"], e["detail"]) for e in events] == [
        ("success", {"admin": admin_name, "removed": 0}),
        ("success", {"admin": admin_name, "removed": 2}),
    ]


def test_removing_passkeys_of_an_unknown_user_is_404(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    response = client.delete("/api/admin/users/2000000000/passkeys", headers=admin)
    assert (response.status_code, response.json()) == (
        404,
        {"message": "No user with id 2000000000"},
    )


def test_the_cli_lists_and_removes_passkeys(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    access = access_token(client, name)
    add_passkey(client, access, phone, "Work phone")
    assert passkey_login(client, phone.get(login_options(client))).status_code == 200

    listed = site.cli("users", "passkeys", name)
    removed = site.cli("users", "remove-passkeys", name)
    empty = site.cli("users", "passkeys", name)

    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    label, created, used = line.split("\t")
    assert label == "Work phone"
    assert created.endswith("Z") and used.endswith("Z")
    assert (removed.returncode, removed.stdout) == (
        0,
        f"removed 1 passkey of {name}; ended 1 session signed in with one\n",
    )
    assert empty.stdout == f"{name} has no passkeys\n"
    refused = passkey_login(client, phone.get(login_options(client)))
    assert (refused.status_code, refused.json()) == (401, REFUSED)
