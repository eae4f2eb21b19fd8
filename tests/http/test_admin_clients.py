"""``/api/admin/clients``: every ``clients`` command of the CLI, over HTTP, on both engines.

Each test registers the clients it changes under a name of its own.  Refusals for want
of a token, of the role or of the CSRF header are in test_admin_refusals.py.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.servers import Server

from .helpers import ISO_UTC, bearer

CLIENT_FIELDS = {"clientId", "name", "scopes", "authMethod", "jwksUri", "state", "createdAt"}
INVALID_CLIENT = {"error": "invalid_client", "error_description": "Client authentication failed"}


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, str]:
    """The Authorization header of an admin (one login per module and engine)."""
    return bearer(server.token("admin"))


def a_name() -> str:
    return f"svc-{secrets.token_hex(4)}"


def public_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def register(client: httpx.Client, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    """A new client made through the API; its body (with the secret, if any)."""
    body = {"name": a_name(), "scopes": ["orders:read"], **fields}
    response = client.post("/api/admin/clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def token_for(client: httpx.Client, client_id: str, secret: str) -> httpx.Response:
    """POST /oauth/token with ``client_secret_basic``."""
    return client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def audit_of(client: httpx.Client, admin: dict[str, str], name: str, event: str) -> list[Any]:
    response = client.get("/api/admin/audit", params={"user": name, "event": event}, headers=admin)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


# -- listing and registering --------------------------------------------------------------


def test_a_secret_client_gets_its_secret_once_and_it_works(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    name = a_name()
    response = client.post(
        "/api/admin/clients",
        json={"name": name, "scopes": ["orders:read", "orders:write"]},
        headers=admin,
    )

    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    made = response.json()
    assert set(made) == CLIENT_FIELDS | {"clientSecret"}
    assert response.headers["Location"] == f"/api/admin/clients/{made['clientId']}"
    assert (made["name"], made["authMethod"], made["state"]) == (name, "client_secret", "active")
    assert made["scopes"] == ["orders:read", "orders:write"]
    assert ISO_UTC.fullmatch(made["createdAt"])
    secret = made["clientSecret"]
    assert isinstance(secret, str) and len(secret) == 43

    listing = client.get("/api/admin/clients", headers=admin)
    one = client.get(response.headers["Location"], headers=admin)
    issued = token_for(client, made["clientId"], secret)

    assert listing.status_code == 200
    assert listing.headers["Cache-Control"] == "no-store"
    [listed] = [c for c in listing.json() if c["clientId"] == made["clientId"]]
    assert listed == one.json() == {k: v for k, v in made.items() if k != "clientSecret"}
    assert secret not in listing.text and secret not in one.text
    assert issued.status_code == 200, issued.text
    assert issued.json()["scope"] == "orders:read orders:write"
    [event] = audit_of(client, admin, name, "client_created")
    assert event["detail"] == {
        "admin": "admin",
        "client_id": made["clientId"],
        "method": "client_secret",
    }


def test_the_list_is_by_name(client: httpx.Client, admin: dict[str, str]) -> None:
    names = sorted(register(client, admin)["name"] for _ in range(2))
    listed = [c["name"] for c in client.get("/api/admin/clients", headers=admin).json()]
    assert [n for n in listed if n in names] == names
    assert listed == sorted(listed)


def test_a_key_client_has_no_secret_to_show_or_rotate(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    by_pem = register(client, admin, publicKey=public_pem())
    by_url = register(client, admin, jwksUri="https://keys.example/jwks.json")

    rotate = client.post(f"/api/admin/clients/{by_pem['clientId']}/rotate-secret", headers=admin)

    assert (by_pem["authMethod"], by_pem["clientSecret"], by_pem["jwksUri"]) == (
        "private_key_jwt",
        None,
        None,
    )
    assert (by_url["authMethod"], by_url["clientSecret"]) == ("private_key_jwt", None)
    assert by_url["jwksUri"] == "https://keys.example/jwks.json"
    assert (rotate.status_code, rotate.json()) == (
        409,
        {"message": f"{by_pem['name']} authenticates with a key; it has no secret"},
    )
    assert audit_of(client, admin, by_pem["name"], "client_created")[0]["detail"]["method"] == (
        "private_key_jwt"
    )


BAD_PEM = "the public key does not parse as PEM"
HTTPS_ONLY = "{!r}: keys must be fetched over https (http only for localhost)"
NOT_A_NAME = "{!r} is not a client name: letters, digits, '.', '_' and '-', up to 150 characters"
AT_MOST = "should have at most {} items after validation, not {}"
BOTH = "give publicKey or jwksUri, not both"
EMPTY_PEM = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"scopes": ["orders read"]}, 400, "'orders read' is not a valid scope"),
        ({"scopes": ['"quoted"']}, 400, "'\"quoted\"' is not a valid scope"),
        ({"scopes": ["é"]}, 400, "'é' is not a valid scope"),
        ({"scopes": ["a\nb"]}, 400, "'a\\nb' is not a valid scope"),
        ({"scopes": "orders:read"}, 422, "scopes: Input should be a valid list"),
        ({"scopes": ["s"] * 51}, 422, "scopes: List " + AT_MOST.format(50, 51)),
        ({"scopes": ["s" * 201]}, 422, "scopes.0: Value " + AT_MOST.format(200, 201)),
        ({"scopes": ["nul\x00"]}, 422, "scopes.0: must not contain NUL characters"),
        ({"publicKey": "not a key"}, 400, BAD_PEM),
        ({"publicKey": EMPTY_PEM}, 400, BAD_PEM),
        ({"publicKey": "é\n" + public_pem()}, 400, "the public key must be ASCII PEM text"),
        ({"publicKey": "nul\x00"}, 422, "publicKey: must not contain NUL characters"),
        ({"publicKey": public_pem(), "jwksUri": "https://k.example/j"}, 400, BOTH),
        ({"jwksUri": "http://k.example/j"}, 400, HTTPS_ONLY.format("http://k.example/j")),
        ({"jwksUri": "https://[::1/j"}, 400, HTTPS_ONLY.format("https://[::1/j")),
        ({"jwksUri": "ftp://k.example/j"}, 400, HTTPS_ONLY.format("ftp://k.example/j")),
        ({"jwksUri": "https://k.example/\x00"}, 422, "jwksUri: must not contain NUL characters"),
        ({"name": "two words"}, 400, NOT_A_NAME.format("two words")),
        ({"name": "-leading"}, 400, NOT_A_NAME.format("-leading")),
        ({"name": "n" * 151}, 422, "name: Value " + AT_MOST.format(150, 151)),
        ({"name": ""}, 422, "name: Value should have at least 1 item after validation, not 0"),
        ({"name": "nul\x00name"}, 422, "name: must not contain NUL characters"),
        ({"name": None}, 422, "name: Input should be a valid string"),
    ],
)  # fmt: skip
def test_create_refuses_bad_input_in_one_line(
    client: httpx.Client,
    admin: dict[str, str],
    fields: dict[str, Any],
    status: int,
    message: str,
) -> None:
    name = a_name()
    response = client.post("/api/admin/clients", json={"name": name, **fields}, headers=admin)
    assert (response.status_code, response.json()) == (status, {"message": message})
    assert "\n" not in response.json()["message"]
    listed = [c["name"] for c in client.get("/api/admin/clients", headers=admin).json()]
    assert name not in listed


def test_create_refuses_a_taken_name_and_a_body_that_is_not_json(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    taken = register(client, admin)["name"]
    again = client.post("/api/admin/clients", json={"name": taken}, headers=admin)
    garbled = client.post(
        "/api/admin/clients",
        content=b'{"name": ',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert (again.status_code, again.json()) == (
        409,
        {"message": f"a client named {taken!r} already exists"},
    )
    assert (garbled.status_code, garbled.json()) == (
        422,
        {"message": "The request body is not valid JSON"},
    )
    assert len(audit_of(client, admin, taken, "client_created")) == 1


# -- disabling, rotating, deleting ---------------------------------------------------------


def test_a_disabled_client_gets_no_token_until_enabled(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    made = register(client, admin)
    path = f"/api/admin/clients/{made['clientId']}"

    disabled = client.post(f"{path}/disable", headers=admin)
    refused = token_for(client, made["clientId"], made["clientSecret"])
    enabled = client.post(f"{path}/enable", headers=admin)
    issued = token_for(client, made["clientId"], made["clientSecret"])

    assert (disabled.status_code, disabled.json()["state"]) == (200, "disabled")
    assert (refused.status_code, refused.json()) == (
        400,
        {"error": "unauthorized_client", "error_description": "This client is disabled"},
    )
    assert (enabled.status_code, enabled.json()["state"]) == (200, "active")
    assert issued.status_code == 200, issued.text
    for event in ("client_disabled", "client_enabled"):
        [row] = audit_of(client, admin, made["name"], event)
        assert row["detail"] == {"admin": "admin", "client_id": made["clientId"]}


def test_a_rotated_secret_replaces_the_old_one_at_once(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    made = register(client, admin)

    response = client.post(f"/api/admin/clients/{made['clientId']}/rotate-secret", headers=admin)

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    rotated = response.json()
    assert rotated["clientId"] == made["clientId"]
    new_secret = rotated["clientSecret"]
    assert isinstance(new_secret, str) and new_secret != made["clientSecret"]
    old = token_for(client, made["clientId"], made["clientSecret"])
    assert (old.status_code, old.json()) == (401, INVALID_CLIENT)
    assert token_for(client, made["clientId"], new_secret).status_code == 200
    [event] = audit_of(client, admin, made["name"], "client_secret_rotated")
    assert event["detail"] == {"admin": "admin", "client_id": made["clientId"]}


def test_delete_needs_the_name_as_confirmation(client: httpx.Client, admin: dict[str, str]) -> None:
    made = register(client, admin)
    path = f"/api/admin/clients/{made['clientId']}"
    expected = {"message": f"To delete a client, confirm with its name (confirm={made['name']})"}

    missing = client.delete(path, headers=admin)
    wrong = client.delete(path, params={"confirm": "someone-else"}, headers=admin)

    assert (missing.status_code, missing.json()) == (400, expected)
    assert (wrong.status_code, wrong.json()) == (400, expected)
    assert client.get(path, headers=admin).status_code == 200

    deleted = client.delete(path, params={"confirm": made["name"]}, headers=admin)

    assert deleted.status_code == 204
    assert client.get(path, headers=admin).status_code == 404
    refused = token_for(client, made["clientId"], made["clientSecret"])
    assert (refused.status_code, refused.json()) == (401, INVALID_CLIENT)
    [event] = audit_of(client, admin, made["name"], "client_deleted")
    assert event["detail"] == {"admin": "admin", "client_id": made["clientId"]}


CHANGES_BY_ID = [
    ("GET", ""),
    ("POST", "/disable"),
    ("POST", "/enable"),
    ("POST", "/rotate-secret"),
    ("DELETE", "?confirm=x"),
]


@pytest.mark.parametrize(("method", "tail"), CHANGES_BY_ID, ids=[m + t for m, t in CHANGES_BY_ID])
def test_an_unknown_client_is_404_and_an_unstorable_id_422(
    client: httpx.Client, admin: dict[str, str], method: str, tail: str
) -> None:
    unknown = client.request(method, f"/api/admin/clients/no-such-client{tail}", headers=admin)
    too_long = client.request(method, f"/api/admin/clients/{'c' * 65}{tail}", headers=admin)
    nul = client.request(method, f"/api/admin/clients/a%00b{tail}", headers=admin)

    assert (unknown.status_code, unknown.json()) == (
        404,
        {"message": "no client with id 'no-such-client'"},
    )
    assert (too_long.status_code, too_long.json()) == (404, {"message": "No such client"})
    assert (nul.status_code, nul.json()) == (
        422,
        {"message": "path.client_id: must not contain NUL characters"},
    )


def test_an_over_long_confirmation_is_422(client: httpx.Client, admin: dict[str, str]) -> None:
    made = register(client, admin)
    response = client.delete(
        f"/api/admin/clients/{made['clientId']}", params={"confirm": "x" * 151}, headers=admin
    )
    assert (response.status_code, response.json()) == (
        422,
        {"message": "query.confirm: Value should have at most 150 items after validation, not 151"},
    )
