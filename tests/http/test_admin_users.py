"""``/api/admin/users``: every user operation of the CLI, over HTTP, on both engines.

Each test makes the users it changes (``fresh``); ``admin`` and ``john`` are only read.
Refusals for want of a token or of the role are in test_admin_refusals.py.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import jwt
import pyotp
import pytest

from tests.servers import Server

from .helpers import INVALID_CREDENTIALS, INVALID_REFRESH, bearer, login, refresh

PASSWORD = "an admin-made password, long enough"
NEW_PASSWORD = "another password that is long enough"
USER_FIELDS = {
    "id", "userName", "email", "emailVerified", "role", "state", "mfa", "lastLoginAt", "createdAt",
}  # fmt: skip


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, str]:
    """The Authorization header of an admin (one login per module and engine)."""
    return bearer(server.token("admin"))


def fresh(client: httpx.Client, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A new user made through the API; its body."""
    body = {"username": f"u{secrets.token_hex(4)}", "password": PASSWORD, "role": "User", **fields}
    response = client.post("/api/admin/users", json=body, headers=admin)
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


def tokens_of(client: httpx.Client, name: str, password: str = PASSWORD) -> dict[str, Any]:
    response = login(client, name, password)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def user_id_of(client: httpx.Client, admin: dict[str, str], name: str) -> int:
    found = client.get("/api/admin/users", params={"q": name}, headers=admin).json()["items"]
    return int(next(u["id"] for u in found if u["userName"] == name))


def audit_of(client: httpx.Client, admin: dict[str, str], name: str, event: str) -> list[Any]:
    response = client.get("/api/admin/audit", params={"user": name, "event": event}, headers=admin)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


# -- listing and search -------------------------------------------------------------------


def test_the_list_is_a_page_of_users_with_role_state_email_mfa_and_last_login(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    response = client.get("/api/admin/users", headers=admin)

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"items", "page", "size", "total"}
    assert (body["page"], body["size"]) == (1, 20)
    assert body["total"] >= 2
    by_name = {u["userName"]: u for u in body["items"]}
    admin_row, john = by_name["admin"], by_name["john"]
    assert set(john) == USER_FIELDS
    assert (john["role"], john["state"], john["email"]) == ("User", "active", "john@example.com")
    assert john["emailVerified"] is True  # an operator typed it (users add --email)
    assert john["mfa"] == {"totp": False, "passkeys": 0}
    assert admin_row["role"] == "Admin"
    assert admin_row["lastLoginAt"] is not None  # the module's admin signed in


def test_search_matches_part_of_a_name_or_an_email_in_any_case(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    tag = secrets.token_hex(3)
    named = fresh(client, admin, username=f"Zed{tag}")
    mailed = fresh(client, admin, email=f"ops-{tag}@Example.NET")

    by_name = client.get("/api/admin/users", params={"q": f"zED{tag}"}, headers=admin).json()
    by_mail = client.get("/api/admin/users", params={"q": f"OPS-{tag}@ex"}, headers=admin).json()

    assert [u["id"] for u in by_name["items"]] == [named["id"]]
    assert [u["id"] for u in by_mail["items"]] == [mailed["id"]]
    assert by_name["total"] == by_mail["total"] == 1


def test_search_takes_like_wildcards_literally(client: httpx.Client, admin: dict[str, str]) -> None:
    for q in ("%", "_", "\\"):
        body = client.get("/api/admin/users", params={"q": q}, headers=admin).json()
        assert body["total"] == 0, q


def test_pages_split_the_list(client: httpx.Client, admin: dict[str, str]) -> None:
    tag = secrets.token_hex(3)
    made = [fresh(client, admin, username=f"pg{tag}{n}")["id"] for n in range(3)]

    pages = [
        client.get(
            "/api/admin/users", params={"q": f"pg{tag}", "page": n, "size": 2}, headers=admin
        ).json()
        for n in (1, 2, 3)
    ]

    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    assert {p["total"] for p in pages} == {3}
    assert [u["id"] for p in pages for u in p["items"]] == made  # by name


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": 0}, "page must be between 1 and 1,000,000"),
        ({"page": 1_000_001}, "page must be between 1 and 1,000,000"),
        ({"size": 0}, "size must be between 1 and 100"),
        ({"size": 101}, "size must be between 1 and 100"),
    ],
)
def test_a_page_out_of_range_is_400(
    client: httpx.Client, admin: dict[str, str], params: dict[str, int], message: str
) -> None:
    response = client.get("/api/admin/users", params=params, headers=admin)
    assert response.status_code == 400
    assert response.json() == {"message": message}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page": "two"}, "page"), ({"size": "1.5"}, "size"), ({"q": "a\x00b"}, "q")],
)
def test_a_malformed_query_is_422(
    client: httpx.Client, admin: dict[str, str], params: dict[str, str], field: str
) -> None:
    response = client.get("/api/admin/users", params=params, headers=admin)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"query.{field}: ")


def test_an_unknown_user_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.get("/api/admin/users/2000000000", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"message": "No user with id 2000000000"}


@pytest.mark.parametrize("user_id", ["0", "-1", "abc", str(2**31)])
def test_an_id_that_cannot_be_a_user_is_422(
    client: httpx.Client, admin: dict[str, str], user_id: str
) -> None:
    response = client.get(f"/api/admin/users/{user_id}", headers=admin)
    assert response.status_code == 422
    assert response.json()["message"].startswith("path.user_id: ")


# -- creating -------------------------------------------------------------------------------


def test_create_answers_201_with_the_user_and_they_can_sign_in(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    name = f"new{secrets.token_hex(3)}"
    response = client.post(
        "/api/admin/users",
        json={"username": name, "password": PASSWORD, "role": "Admin", "email": f"{name}@ex.org"},
        headers=admin,
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"/api/admin/users/{body['id']}"
    assert (body["userName"], body["role"], body["state"]) == (name, "Admin", "active")
    assert (body["email"], body["lastLoginAt"]) == (f"{name}@ex.org", None)
    tokens_of(client, name)
    [event] = audit_of(client, admin, name, "user_created")
    assert event["detail"] == {"admin": "admin", "role": "Admin"}


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"role": "Owner"}, 400, "Unknown role 'Owner'; use one of Admin, User"),
        (
            {"username": "two words"},
            400,
            "usernames are 1-150 characters of letters, digits and _ . @ + -",
        ),
        ({"email": "not-an-address"}, 400, "'not-an-address' is not an email address"),
        ({"password": "password"}, 422, None),
        ({"username": "nul\x00name"}, 422, "username: must not contain NUL characters"),
        ({"username": ""}, 422, None),
        ({"role": None}, 422, None),
    ],
)
def test_create_refuses_bad_input_in_one_line(
    client: httpx.Client,
    admin: dict[str, str],
    fields: dict[str, Any],
    status: int,
    message: str | None,
) -> None:
    body = {"username": f"b{secrets.token_hex(3)}", "password": PASSWORD, "role": "User", **fields}
    response = client.post("/api/admin/users", json=body, headers=admin)
    assert response.status_code == status, response.text
    assert "\n" not in response.json()["message"]
    if message is not None:
        assert response.json() == {"message": message}


def test_create_refuses_a_taken_name_or_address_with_409(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    name = {"username": "JOHN", "password": PASSWORD, "role": "User"}  # names ignore case
    address = {**name, "username": f"a{secrets.token_hex(3)}", "email": "John@Example.com"}

    taken_name = client.post("/api/admin/users", json=name, headers=admin)
    taken_address = client.post("/api/admin/users", json=address, headers=admin)

    assert (taken_name.status_code, taken_name.json()) == (
        409,
        {"message": "user 'JOHN' already exists"},
    )
    assert taken_address.status_code == 409
    assert "already registered" in taken_address.json()["message"]


# -- role, state, password, sign-out ---------------------------------------------------------


def test_a_new_role_is_in_the_next_token(client: httpx.Client, admin: dict[str, str]) -> None:
    user = fresh(client, admin)

    response = client.post(
        f"/api/admin/users/{user['id']}/role", json={"role": "Admin"}, headers=admin
    )

    assert response.status_code == 200, response.text
    assert response.json()["role"] == "Admin"
    access = tokens_of(client, user["userName"])["accessToken"]
    info = client.get("/api/products/my-info", headers=bearer(access)).json()
    assert info["role"] == "Admin"
    [event] = audit_of(client, admin, user["userName"], "role_changed")
    assert event["detail"] == {"admin": "admin", "role": "Admin"}


def test_role_refusals(server: Server, client: httpx.Client, admin: dict[str, str]) -> None:
    user = fresh(client, admin)
    own_id = user_id_of(client, admin, "admin")

    unknown = client.post(
        f"/api/admin/users/{user['id']}/role", json={"role": "Root"}, headers=admin
    )
    own = client.post(f"/api/admin/users/{own_id}/role", json={"role": "User"}, headers=admin)
    missing = client.post("/api/admin/users/2000000000/role", json={"role": "User"}, headers=admin)
    no_body = client.post(f"/api/admin/users/{user['id']}/role", headers=admin)

    assert (unknown.status_code, unknown.json()) == (
        400,
        {"message": "Unknown role 'Root'; use one of Admin, User"},
    )
    assert (own.status_code, own.json()) == (
        400,
        {"message": "You cannot change the role of your own account; ask another administrator"},
    )
    assert missing.status_code == 404
    assert (no_body.status_code, no_body.json()) == (422, {"message": "body: Field required"})


def test_disabling_ends_every_session_and_refuses_login_until_enabled(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    user = fresh(client, admin)
    held = tokens_of(client, user["userName"])

    disabled = client.post(f"/api/admin/users/{user['id']}/disable", headers=admin)

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["state"] == "disabled"
    assert refresh(client, held["refreshToken"]).json() == INVALID_REFRESH
    assert login(client, user["userName"], PASSWORD).json() == INVALID_CREDENTIALS
    sessions = client.get(f"/api/admin/users/{user['id']}/sessions", headers=admin)
    assert sessions.json() == []
    [event] = audit_of(client, admin, user["userName"], "user_disabled")
    assert event["detail"] == {"admin": "admin"}
    assert event["address"] == "127.0.0.1"

    enabled = client.post(f"/api/admin/users/{user['id']}/enable", headers=admin)

    assert enabled.json()["state"] == "active"
    tokens_of(client, user["userName"])
    assert (
        audit_of(client, admin, user["userName"], "user_enabled")[0]["detail"]["admin"] == "admin"
    )


def test_an_admin_cannot_disable_themselves(client: httpx.Client, admin: dict[str, str]) -> None:
    own_id = user_id_of(client, admin, "admin")
    response = client.post(f"/api/admin/users/{own_id}/disable", headers=admin)
    assert response.status_code == 400
    assert response.json() == {
        "message": "You cannot disable your own account; ask another administrator"
    }


@pytest.mark.parametrize("action", ["disable", "enable", "sign-out", "reset-mfa"])
def test_changing_an_unknown_user_is_404(
    client: httpx.Client, admin: dict[str, str], action: str
) -> None:
    response = client.post(f"/api/admin/users/2000000000/{action}", headers=admin)
    assert response.status_code == 404
    assert response.json() == {"message": "No user with id 2000000000"}


def test_a_new_password_replaces_the_old_and_signs_out(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    user = fresh(client, admin)
    held = tokens_of(client, user["userName"])

    response = client.post(
        f"/api/admin/users/{user['id']}/password", json={"password": NEW_PASSWORD}, headers=admin
    )

    assert response.status_code == 204, response.text
    assert refresh(client, held["refreshToken"]).json() == INVALID_REFRESH
    assert login(client, user["userName"], PASSWORD).json() == INVALID_CREDENTIALS
    tokens_of(client, user["userName"], NEW_PASSWORD)
    assert audit_of(client, admin, user["userName"], "password_changed")[0]["detail"] == {
        "admin": "admin"
    }


def test_password_refusals(client: httpx.Client, admin: dict[str, str]) -> None:
    user = fresh(client, admin)
    path = f"/api/admin/users/{user['id']}/password"

    weak = client.post(path, json={"password": "password"}, headers=admin)
    unknown = client.post(
        "/api/admin/users/2000000000/password", json={"password": NEW_PASSWORD}, headers=admin
    )
    empty = client.post(path, json={"password": ""}, headers=admin)

    assert weak.status_code == 422
    assert "password" in weak.json()["message"].lower()
    assert unknown.status_code == 404
    assert empty.status_code == 422


def test_sign_out_everywhere_revokes_every_refresh_token(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    user = fresh(client, admin)
    first, second = tokens_of(client, user["userName"]), tokens_of(client, user["userName"])

    response = client.post(f"/api/admin/users/{user['id']}/sign-out", headers=admin)

    assert response.status_code == 204
    for held in (first, second):
        assert refresh(client, held["refreshToken"]).json() == INVALID_REFRESH
    assert audit_of(client, admin, user["userName"], "access_revoked")[0]["detail"] == {
        "admin": "admin"
    }


# -- second factor ----------------------------------------------------------------------------


def test_reset_mfa_removes_totp(client: httpx.Client, admin: dict[str, str]) -> None:
    user = fresh(client, admin)
    access = tokens_of(client, user["userName"])["accessToken"]
    setup = client.post("/api/auth/mfa/totp/setup", headers=bearer(access)).json()
    code = pyotp.TOTP(setup["secret"]).at(time.time())
    confirmed = client.post(
        "/api/auth/mfa/totp/confirm", json={"code": code}, headers=bearer(access)
    )
    assert confirmed.status_code == 200, confirmed.text
    assert client.get(f"/api/admin/users/{user['id']}", headers=admin).json()["mfa"] == {
        "totp": True,
        "passkeys": 0,
    }
    assert login(client, user["userName"], PASSWORD).json()["mfaRequired"] is True

    first = client.post(f"/api/admin/users/{user['id']}/reset-mfa", headers=admin)
    again = client.post(f"/api/admin/users/{user['id']}/reset-mfa", headers=admin)

    assert (first.status_code, first.json(), again.json()) == (
        200,
        {"hadTotp": True},
        {"hadTotp": False},
    )
    assert client.get(f"/api/admin/users/{user['id']}", headers=admin).json()["mfa"] == {
        "totp": False,
        "passkeys": 0,
    }
    assert "accessToken" in tokens_of(client, user["userName"])
    events = audit_of(client, admin, user["userName"], "mfa_reset")
    assert [e["detail"] for e in events] == [
        {"admin": "admin", "had": 0},
        {"admin": "admin", "had": 1},
    ]


# -- deleting ---------------------------------------------------------------------------------


def test_delete_needs_the_username_as_confirmation(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    user = fresh(client, admin)
    path = f"/api/admin/users/{user['id']}"
    expected = {
        "message": f"To delete a user, confirm with their username (confirm={user['userName']})"
    }

    missing = client.delete(path, headers=admin)
    wrong = client.delete(path, params={"confirm": "john"}, headers=admin)

    assert (missing.status_code, missing.json()) == (400, expected)
    assert (wrong.status_code, wrong.json()) == (400, expected)
    assert client.get(path, headers=admin).status_code == 200

    deleted = client.delete(path, params={"confirm": user["userName"]}, headers=admin)

    assert deleted.status_code == 204
    assert client.get(path, headers=admin).status_code == 404
    assert (
        client.delete(path, params={"confirm": user["userName"]}, headers=admin).status_code == 404
    )
    [event] = audit_of(client, admin, user["userName"], "user_deleted")
    assert event["detail"] == {"admin": "admin"}


def test_an_admin_cannot_delete_themselves(client: httpx.Client, admin: dict[str, str]) -> None:
    own_id = user_id_of(client, admin, "admin")
    response = client.delete(
        f"/api/admin/users/{own_id}", params={"confirm": "admin"}, headers=admin
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "You cannot delete your own account; ask another administrator"
    }


# -- sessions ---------------------------------------------------------------------------------


def sid_of(held: dict[str, Any]) -> str:
    """The session id (``sid``) of a login's access token."""
    claims = jwt.decode(held["accessToken"], options={"verify_signature": False})
    return str(claims["sid"])


def test_sessions_are_listed_and_ended_one_at_a_time(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    user = fresh(client, admin)
    first, second = tokens_of(client, user["userName"]), tokens_of(client, user["userName"])
    path = f"/api/admin/users/{user['id']}/sessions"

    listed = client.get(path, headers=admin)

    assert listed.status_code == 200
    assert listed.headers["Cache-Control"] == "no-store"
    assert {s["id"] for s in listed.json()} == {sid_of(first), sid_of(second)}
    assert {s["current"] for s in listed.json()} == {False}

    ended = client.delete(f"{path}/{sid_of(first)}", headers=admin)

    assert ended.status_code == 204
    assert refresh(client, first["refreshToken"]).json() == INVALID_REFRESH
    assert refresh(client, second["refreshToken"]).status_code == 200
    assert [s["id"] for s in client.get(path, headers=admin).json()] == [sid_of(second)]
    [event] = audit_of(client, admin, user["userName"], "session_revoked")
    assert (event["userId"], event["detail"]["admin"]) == (user["id"], "admin")
    assert event["detail"]["session_id"] == sid_of(first)


def test_ending_a_session_that_is_not_theirs_is_404(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    user, other = fresh(client, admin), fresh(client, admin)
    others = tokens_of(client, other["userName"])
    path = f"/api/admin/users/{user['id']}/sessions"

    for session_id in (sid_of(others), "no-such-session", "x" * 37):
        response = client.delete(f"{path}/{session_id}", headers=admin)
        assert response.status_code == 404, session_id
        assert response.json() == {"message": "Session not found"}
    nul = client.delete(f"{path}/nul%00", headers=admin)
    assert (nul.status_code, nul.json()) == (
        422,
        {"message": "path.session_id: must not contain NUL characters"},
    )
    assert refresh(client, others["refreshToken"]).status_code == 200
    unknown = client.get("/api/admin/users/2000000000/sessions", headers=admin)
    assert unknown.status_code == 404
    unknown_user = client.delete(
        f"/api/admin/users/2000000000/sessions/{sid_of(others)}", headers=admin
    )
    assert (unknown_user.status_code, unknown_user.json()) == (
        404,
        {"message": "No user with id 2000000000"},
    )


def test_ending_every_session_says_how_many(client: httpx.Client, admin: dict[str, str]) -> None:
    user = fresh(client, admin)
    held = [tokens_of(client, user["userName"]) for _ in range(2)]
    path = f"/api/admin/users/{user['id']}/sessions"

    ended = client.delete(path, headers=admin)
    again = client.delete(path, headers=admin)

    assert (ended.status_code, ended.json(), again.json()) == (200, {"ended": 2}, {"ended": 0})
    for tokens in held:
        assert refresh(client, tokens["refreshToken"]).json() == INVALID_REFRESH
    assert client.get(path, headers=admin).json() == []
    assert client.delete("/api/admin/users/2000000000/sessions", headers=admin).status_code == 404
