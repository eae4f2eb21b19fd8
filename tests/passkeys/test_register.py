"""Registering, listing and deleting passkeys over a real server, on both engines."""

from __future__ import annotations

import base64
import re

import httpx

from tests.servers import Server

from .authenticator import SoftAuthenticator, b64url
from .conftest import (
    APP_ORIGIN,
    ORIGIN,
    access_token,
    add_passkey,
    audit,
    bearer,
    fresh_user,
    login_options,
    register,
    register_options,
)

REGISTRATION_OVER = {"message": "The registration expired or was already used; start again"}
NOT_VERIFIED = {"message": "The passkey could not be verified"}
MALFORMED = {
    "message": "credential: not a WebAuthn response as PublicKeyCredential.toJSON() writes it"
}
NOT_FOUND = {"message": "Passkey not found"}
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def test_registration_options_ask_for_a_discoverable_verified_passkey(
    site: Server, client: httpx.Client
) -> None:
    name = fresh_user(site)
    access = access_token(client, name)

    response = client.post("/api/auth/passkeys/register/options", headers=bearer(access))

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    options = response.json()
    assert options["rp"] == {"id": "auth.example.com", "name": "ticketbooth"}
    assert options["user"]["name"] == options["user"]["displayName"] == name
    assert len(base64.urlsafe_b64decode(options["user"]["id"] + "==")) == 32
    assert len(base64.urlsafe_b64decode(options["challenge"] + "==")) == 32
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert options["excludeCredentials"] == []
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    again = register_options(client, access)
    assert again["challenge"] != options["challenge"]


def test_register_list_and_delete(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    access = access_token(client, name)
    options = register_options(client, access)

    response = register(client, access, phone.create(options), "  Work   laptop ")

    assert response.status_code == 201, response.text
    created = response.json()
    assert set(created) == {"id", "name", "createdAt"}
    assert created["name"] == "Work laptop"
    assert ISO.fullmatch(created["createdAt"])
    laptop = SoftAuthenticator(ORIGIN)
    second = add_passkey(client, access, laptop, "Phone")
    listed = client.get("/api/auth/passkeys", headers=bearer(access))
    assert listed.status_code == 200
    assert listed.headers["Cache-Control"] == "no-store"
    assert listed.json() == [
        {**created, "lastUsedAt": None},
        {**second, "lastUsedAt": None},
    ]
    # the same user handle for every passkey of the user; both excluded from now on
    later = register_options(client, access)
    assert later["user"]["id"] == options["user"]["id"]
    excluded = {c["id"] for c in later["excludeCredentials"]}
    held = phone.credentials + laptop.credentials
    assert excluded == {b64url(c.credential_id) for c in held}
    assert all(c["transports"] == ["hybrid", "internal"] for c in later["excludeCredentials"])

    me = client.get("/api/auth/me", headers=bearer(access))
    assert me.json()["mfa"]["passkeys"] == 2

    deleted = client.delete(f"/api/auth/passkeys/{created['id']}", headers=bearer(access))
    assert deleted.status_code == 204
    me = client.get("/api/auth/me", headers=bearer(access))
    assert me.json()["mfa"]["passkeys"] == 1
    again = client.delete(f"/api/auth/passkeys/{created['id']}", headers=bearer(access))
    assert again.status_code == 404
    assert again.json() == NOT_FOUND
    remaining = client.get("/api/auth/passkeys", headers=bearer(access)).json()
    assert [p["id"] for p in remaining] == [second["id"]]
    events = [(r["event"], r["outcome"]) for r in audit(site, name)]
    assert events.count(("passkey_registered", "success")) == 2
    assert ("passkey_deleted", "success") in events


def test_another_users_passkey_is_not_found(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    owner = access_token(client, fresh_user(site))
    other = access_token(client, fresh_user(site))
    passkey = add_passkey(client, owner, phone)

    unknown = "00000000-0000-4000-8000-000000000000"
    for path in (passkey["id"], unknown, passkey["id"].upper(), "no-such-id", "x" * 37, "%00"):
        response = client.delete(f"/api/auth/passkeys/{path}", headers=bearer(other))
        assert response.status_code == 404, path
        assert response.json() == NOT_FOUND
    assert client.get("/api/auth/passkeys", headers=bearer(other)).json() == []
    assert len(client.get("/api/auth/passkeys", headers=bearer(owner)).json()) == 1


def test_every_passkey_route_but_sign_in_needs_a_token(client: httpx.Client) -> None:
    for method, path in (
        ("POST", "/api/auth/passkeys/register/options"),
        ("POST", "/api/auth/passkeys/register"),
        ("GET", "/api/auth/passkeys"),
        ("DELETE", "/api/auth/passkeys/some-id"),
    ):
        response = client.request(method, path, json={})
        assert response.status_code == 401, path


def test_a_registration_response_works_once(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    access = access_token(client, fresh_user(site))
    credential = phone.create(register_options(client, access))
    assert register(client, access, credential).status_code == 201

    replay = register(client, access, credential)

    assert replay.status_code == 400
    assert replay.json() == REGISTRATION_OVER


def test_a_challenge_of_another_kind_or_user_or_none_is_refused(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    mine = access_token(client, fresh_user(site))
    theirs = access_token(client, fresh_user(site))
    options = register_options(client, mine)
    sign_in = login_options(client)
    unknown = {**options, "challenge": base64.urlsafe_b64encode(b"x" * 32).decode().rstrip("=")}

    for token, credential in (
        (theirs, phone.create(options)),  # another user's challenge
        (mine, phone.create({**options, "challenge": sign_in["challenge"]})),  # a sign-in's
        (mine, phone.create(unknown)),  # never handed out
    ):
        response = register(client, token, credential)
        assert response.status_code == 400
        assert response.json() == REGISTRATION_OVER
    # the refused attempt by the other user did not spend it
    assert register(client, mine, phone.create(options)).status_code == 201


def test_registration_checks_origin_rp_id_ceremony_and_user_verification(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    access = access_token(client, name)

    for kwargs in (
        {"origin": "https://evil.example.com"},
        {"origin": "http://auth.example.com"},  # the scheme is part of the origin
        {"rp_id": "example.com"},
        {"verified": False},
        {"ceremony": "webauthn.get"},
    ):
        response = register(
            client, access, phone.create(register_options(client, access), **kwargs)
        )
        assert response.status_code == 400, kwargs
        assert response.json() == NOT_VERIFIED
    reasons = [
        r["detail"]["reason"]
        for r in audit(site, name)
        if r["event"] == "passkey_registered" and r["outcome"] == "failure"
    ]
    assert reasons == ["wrong_origin", "wrong_origin", "wrong_rp_id", "not_verified", "wrong_type"]
    assert client.get("/api/auth/passkeys", headers=bearer(access)).json() == []


def test_an_extra_origin_registers_and_signs_in(site: Server, client: httpx.Client) -> None:
    app = SoftAuthenticator(APP_ORIGIN)
    access = access_token(client, fresh_user(site))
    add_passkey(client, access, app)

    options = login_options(client)
    response = client.post(
        "/api/auth/passkeys/login", json={"credential": app.get(options, rp_id="auth.example.com")}
    )

    assert response.status_code == 200, response.text


def test_the_same_credential_twice_is_a_conflict(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    first = access_token(client, fresh_user(site))
    second = access_token(client, fresh_user(site))
    add_passkey(client, first, phone)
    taken = phone.credentials[-1].credential_id

    for access in (first, second):
        credential = phone.create(register_options(client, access), credential_id=taken)
        response = register(client, access, credential)
        assert response.status_code == 409
        assert response.json() == {"message": "This passkey is already registered"}


def test_malformed_registration_bodies_are_clear_4xx(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    access = access_token(client, fresh_user(site))
    good = phone.create(register_options(client, access))
    broken_attestation = {**good, "response": {**good["response"], "attestationObject": "AAAA"}}

    cases: list[tuple[object, int, dict[str, str] | None]] = [
        ({"name": "x", "credential": {}}, 400, MALFORMED),
        ({"name": "x", "credential": {"response": {"clientDataJSON": "%%%"}}}, 400, MALFORMED),
        ({"name": "x", "credential": {"response": "nope"}}, 400, MALFORMED),
        ({"name": "x", "credential": broken_attestation}, 400, NOT_VERIFIED),
        ({"name": "x", "credential": "a string"}, 422, None),
        ({"name": "x", "credential": [1, 2]}, 422, None),
        ({"credential": good}, 422, None),
        ({"name": "", "credential": good}, 422, None),
        ({"name": "   ", "credential": good}, 422, None),
        ({"name": "a\x00b", "credential": good}, 422, None),
        ({"name": "n" * 101, "credential": good}, 422, None),
        ({"name": 7, "credential": good}, 422, None),
        ([], 422, None),
    ]
    for body, status, message in cases:
        response = client.post("/api/auth/passkeys/register", json=body, headers=bearer(access))
        assert response.status_code == status, (body, response.text)
        if message is not None:
            assert response.json() == message
        else:
            assert set(response.json()) == {"message"}
            assert "\n" not in response.json()["message"]
    not_json = client.post(
        "/api/auth/passkeys/register",
        content=b"{not json",
        headers={**bearer(access), "Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert client.get("/api/auth/passkeys", headers=bearer(access)).json() == []
