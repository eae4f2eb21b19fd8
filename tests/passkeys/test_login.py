"""Signing in with a passkey alone, and every way a sign-in is refused, over a real
server on both engines."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pyotp

from tests.servers import Server

from .authenticator import SoftAuthenticator, b64url
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
TOKEN_FIELDS = {"accessToken", "refreshToken", "tokenType", "expiresIn", "expires"}


def _claims(access: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(access, options={"verify_signature": False})
    return claims


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == REFUSED


def test_login_options_are_discoverable_and_verified(client: httpx.Client) -> None:
    response = client.post("/api/auth/passkeys/login/options")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    options = response.json()
    assert options["rpId"] == "auth.example.com"
    assert options["userVerification"] == "required"
    assert options.get("allowCredentials", []) == []
    assert options["timeout"] == 300_000
    assert options["challenge"] != login_options(client)["challenge"]


def test_a_passkey_alone_signs_in(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    access = access_token(client, name)
    passkey = add_passkey(client, access, phone)

    response = passkey_login(client, phone.get(login_options(client)))

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == TOKEN_FIELDS
    claims = _claims(body["accessToken"])
    assert claims["name"] == name
    assert claims["amr"] == ["hwk", "user"]
    sessions = client.get("/api/auth/sessions", headers=bearer(body["accessToken"])).json()
    assert claims["sid"] in {s["id"] for s in sessions}
    refreshed = client.post("/api/auth/refresh-token", json={"refreshToken": body["refreshToken"]})
    assert refreshed.status_code == 200
    assert _claims(refreshed.json()["accessToken"])["amr"] == ["hwk", "user"]
    listed = client.get("/api/auth/passkeys", headers=bearer(access)).json()
    assert listed[0]["id"] == passkey["id"]
    assert listed[0]["lastUsedAt"] is not None


def test_cookie_mode_answers_the_profile_and_sets_the_cookies(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    add_passkey(client, access_token(client, name), phone)

    response = passkey_login(client, phone.get(login_options(client)), useCookies=True)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["userName"] == name
    assert "accessToken" not in body
    assert {"access_token", "refresh_token", "csrf"} <= set(response.cookies)


def test_a_passkey_satisfies_the_second_factor_on_its_own(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    access = access_token(client, name)
    add_passkey(client, access, phone)
    setup = client.post("/api/auth/mfa/totp/setup", headers=bearer(access)).json()
    code = pyotp.TOTP(setup["secret"]).now()
    confirm = client.post("/api/auth/mfa/totp/confirm", json={"code": code}, headers=bearer(access))
    assert confirm.status_code == 200
    password = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert password.json()["mfaRequired"] is True

    response = passkey_login(client, phone.get(login_options(client)))

    assert response.status_code == 200, response.text
    assert set(response.json()) == TOKEN_FIELDS


def test_a_replayed_assertion_is_refused(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    add_passkey(client, access_token(client, name), phone)
    assertion = phone.get(login_options(client))
    assert passkey_login(client, assertion).status_code == 200

    _refused(passkey_login(client, assertion))
    _refused(passkey_login(client, assertion, useCookies=True))

    assert refusals(site)[-2:] == ["unknown_challenge", "unknown_challenge"]


def test_wrong_origin_wrong_rp_id_and_no_user_verification_are_refused(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    add_passkey(client, access_token(client, name), phone)

    for kwargs in (
        {"origin": "https://evil.example.com"},
        {"origin": "https://auth.example.com:8443"},
        {"rp_id": "evil.example.com"},
        {"rp_id": "example.com"},
        {"verified": False},
        {"ceremony": "webauthn.create"},
    ):
        _refused(passkey_login(client, phone.get(login_options(client), **kwargs)))

    assert refusals(site, name) == [
        "wrong_origin",
        "wrong_origin",
        "wrong_rp_id",
        "wrong_rp_id",
        "not_verified",
        "wrong_type",
    ]
    assert passkey_login(client, phone.get(login_options(client))).status_code == 200


def test_an_unknown_credential_and_an_unknown_challenge_are_refused(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    add_passkey(client, access_token(client, fresh_user(site)), phone)
    stranger = SoftAuthenticator(ORIGIN)
    stranger.create(
        {
            "rp": {"id": "auth.example.com"},
            "user": {"id": b64url(b"u" * 32)},
            "challenge": b64url(b"c" * 32),
        }
    )

    _refused(passkey_login(client, stranger.get(login_options(client))))
    _refused(passkey_login(client, phone.get({}, challenge=b64url(b"never handed out" * 2))))
    _refused(passkey_login(client, phone.get({}, challenge=b64url(b""))))

    assert refusals(site)[-3:] == ["unknown_credential", "unknown_challenge", "unknown_challenge"]


def test_a_signature_by_another_key_or_user_handle_is_refused(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    add_passkey(client, access_token(client, name), phone)
    mine = phone.credentials[-1]
    thief = SoftAuthenticator(ORIGIN)
    thief.create(
        {
            "rp": {"id": "auth.example.com"},
            "user": {"id": b64url(mine.user_handle)},
            "challenge": b64url(b"c" * 32),
        }
    )
    forged = thief.credentials[-1]
    forged.credential_id = mine.credential_id  # claims my credential, signs with its own key

    _refused(passkey_login(client, thief.get(login_options(client))))
    _refused(passkey_login(client, phone.get(login_options(client), user_handle=b"x" * 32)))
    without = phone.get(login_options(client))
    del without["response"]["userHandle"]
    _refused(passkey_login(client, without))

    assert refusals(site)[-3:] == ["bad_signature", "wrong_user_handle", "wrong_user_handle"]


def test_a_counter_that_goes_backwards_is_refused_and_audited(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    add_passkey(client, access_token(client, name), phone)
    assert passkey_login(client, phone.get(login_options(client), sign_count=5)).status_code == 200

    _refused(passkey_login(client, phone.get(login_options(client), sign_count=3)))
    _refused(passkey_login(client, phone.get(login_options(client), sign_count=5)))
    _refused(passkey_login(client, phone.get(login_options(client), sign_count=0)))
    assert passkey_login(client, phone.get(login_options(client), sign_count=6)).status_code == 200

    assert refusals(site, name) == ["counter_regression"] * 3
    assert "cloned authenticator" in site.log()


def test_an_authenticator_without_a_counter_signs_in_again_and_again(
    site: Server, client: httpx.Client
) -> None:
    keychain = SoftAuthenticator(ORIGIN, counter=False)
    add_passkey(client, access_token(client, fresh_user(site)), keychain)

    for _ in range(3):
        assert passkey_login(client, keychain.get(login_options(client))).status_code == 200


def test_a_disabled_user_is_refused(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    name = fresh_user(site)
    add_passkey(client, access_token(client, name), phone)
    assert site.cli("users", "disable", name).returncode == 0

    _refused(passkey_login(client, phone.get(login_options(client))))

    assert site.cli("users", "enable", name).returncode == 0
    assert passkey_login(client, phone.get(login_options(client))).status_code == 200
    assert refusals(site, name) == ["disabled"]


def test_a_deleted_passkey_signs_in_no_more(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    access = access_token(client, fresh_user(site))
    passkey = add_passkey(client, access, phone)
    assert (
        client.delete(f"/api/auth/passkeys/{passkey['id']}", headers=bearer(access)).status_code
        == 204
    )

    _refused(passkey_login(client, phone.get(login_options(client))))

    assert refusals(site)[-1] == "unknown_credential"


def test_malformed_sign_in_bodies_are_clear_4xx(
    site: Server, client: httpx.Client, phone: SoftAuthenticator
) -> None:
    add_passkey(client, access_token(client, fresh_user(site)), phone)
    good = phone.get(login_options(client))
    response = good["response"]
    cases: list[tuple[object, int]] = [
        ({"credential": {}}, 401),
        ({"credential": {"response": {}}}, 401),
        ({"credential": {**good, "rawId": 5}}, 401),
        ({"credential": {**good, "response": {**response, "signature": "!!"}}}, 401),
        (
            {"credential": {**good, "response": {**response, "authenticatorData": "AA"}}},
            401,
        ),
        ({"credential": {**good, "type": "password"}}, 401),
        ({"credential": "text"}, 422),
        ({"credential": good, "useCookies": "yes"}, 422),
        ({}, 422),
        ([], 422),
    ]
    for body, status in cases:
        answer = client.post("/api/auth/passkeys/login", json=body)
        assert answer.status_code == status, (body, answer.text)
        if status == 401:
            assert answer.json() == REFUSED
        else:
            assert set(answer.json()) == {"message"}
