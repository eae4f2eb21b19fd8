"""``/api/admin/keys``: list, rotate, generate and retire signing keys, on both engines.

The keys live in the database here (no ``TICKETBOOTH_SECRET_KEY``), in a server of this
module's own: rotating and retiring would pull the keys from under the shared one.
"""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from tests.servers import Server, ServerPool

from .helpers import assert_invalid_token, bearer

KEY_FIELDS = {"kid", "alg", "state", "createdAt", "activatedAt", "retireAfter", "retiredAt"}


@pytest.fixture(scope="module")
def keyed(module_servers: ServerPool, engine_name: str) -> Server:
    return module_servers.start(engine=engine_name, settings={"TICKETBOOTH_SECRET_KEY": ""})


@pytest.fixture
def admin(keyed: Server) -> dict[str, str]:
    return bearer(keyed.token("admin"))


def keys(client: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/admin/keys", headers=admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_state(listing: dict[str, Any], state: str) -> list[str]:
    return [k["kid"] for k in listing["keys"] if k["state"] == state]


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def test_the_list_shows_states_and_dates_never_material(
    keyed: Server, admin: dict[str, str]
) -> None:
    with keyed.client() as client:
        listing = keys(client, admin)
    assert listing["source"] == "database"
    assert {k["state"] for k in listing["keys"]} >= {"active", "next"}
    for key in listing["keys"]:
        assert set(key) == KEY_FIELDS
    [active] = by_state(listing, "active")
    assert listing["signingKid"] == active == kid_of(admin["Authorization"].split()[1])


def test_rotation_signs_with_the_next_key_at_once_and_old_tokens_still_verify(
    keyed: Server, admin: dict[str, str]
) -> None:
    with keyed.client() as client:
        before = keys(client, admin)
        [old] = by_state(before, "active")
        [upcoming] = by_state(before, "next")
        held = keyed.token("john")

        response = client.post("/api/admin/keys/rotate", headers=admin)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["active"]["kid"] == upcoming
        assert body["next"]["state"] == "next"
        after = keys(client, admin)
        assert by_state(after, "active") == [upcoming]
        assert old in by_state(after, "retiring")
        assert kid_of(keyed.token("john")) == upcoming  # this process reloaded at once
        assert client.get("/api/products/my-info", headers=bearer(held)).status_code == 200
        events = client.get(
            "/api/admin/audit", params={"event": "key_rotated"}, headers=admin
        ).json()["items"]
    assert events[0]["detail"] == {
        "admin": "admin",
        "kid": upcoming,
        "next_kid": body["next"]["kid"],
    }


def test_retiring_a_key_refuses_every_token_it_signed(keyed: Server, admin: dict[str, str]) -> None:
    with keyed.client() as client:
        held = keyed.token("john")
        signer = kid_of(held)
        client.post("/api/admin/keys/rotate", headers=admin).raise_for_status()
        fresh_admin = bearer(keyed.token("admin"))

        response = client.post(f"/api/admin/keys/{signer}/retire", headers=fresh_admin)

        assert response.status_code == 204, response.text
        assert signer in by_state(keys(client, fresh_admin), "retired")
        assert_invalid_token(
            client.get("/api/products/my-info", headers=bearer(held)), "The signature is invalid"
        )
        [event] = client.get(
            "/api/admin/audit",
            params={"event": "key_retired", "size": 1},
            headers=fresh_admin,
        ).json()["items"]
    assert event["detail"] == {"admin": "admin", "kid": signer}


def test_generate_makes_a_key_that_signs_at_once(keyed: Server, admin: dict[str, str]) -> None:
    with keyed.client() as client:
        default = client.post("/api/admin/keys/generate", headers=admin)
        explicit = client.post("/api/admin/keys/generate", json={"alg": "HS256"}, headers=admin)
        signing = kid_of(keyed.token("john"))
    assert default.status_code == explicit.status_code == 201, default.text
    assert default.json()["alg"] == "HS256"
    assert explicit.json()["state"] == "active"
    assert signing == explicit.json()["kid"]


def test_key_refusals(keyed: Server, admin: dict[str, str]) -> None:
    with keyed.client() as client:
        [active] = by_state(keys(client, admin), "active")
        only_active = client.post(f"/api/admin/keys/{active}/retire", headers=admin)
        unknown = client.post("/api/admin/keys/no-such-kid/retire", headers=admin)
        too_long = client.post(f"/api/admin/keys/{'k' * 65}/retire", headers=admin)
        bad_alg = client.post("/api/admin/keys/generate", json={"alg": "none"}, headers=admin)
    assert (only_active.status_code, only_active.json()) == (
        409,
        {"message": "that is the only active key; rotate before retiring it"},
    )
    assert (unknown.status_code, unknown.json()) == (404, {"message": "no key 'no-such-kid'"})
    assert (too_long.status_code, too_long.json()) == (404, {"message": "No such key"})
    assert bad_alg.status_code == 422
    assert bad_alg.json()["message"].startswith("alg: ")


ENV_SECRET = {
    "message": "the signing secret comes from TICKETBOOTH_SECRET_KEY; change it there, "
    "or unset it to manage keys in the database"
}


def test_with_the_secret_from_the_environment_keys_cannot_change(
    server: Server, client: httpx.Client
) -> None:
    admin = bearer(server.token("admin"))

    listing = client.get("/api/admin/keys", headers=admin).json()
    rotate = client.post("/api/admin/keys/rotate", headers=admin)
    generate = client.post("/api/admin/keys/generate", headers=admin)

    assert listing["source"] == "environment"
    assert listing["signingKid"] == kid_of(admin["Authorization"].split()[1])
    assert (rotate.status_code, rotate.json()) == (409, ENV_SECRET)
    assert (generate.status_code, generate.json()) == (409, ENV_SECRET)
