"""TOTP setup, two-step login and recovery codes, over a real server on both engines."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import jwt

from tests.servers import Server

from .conftest import (
    PASSWORD,
    Authenticator,
    bearer,
    enable_totp,
    fresh_user,
    login,
    mfa_token,
    tokens,
)

INVALID_CODE = {"message": "Invalid code"}
SIGN_IN_OVER = {"message": "The sign-in expired or was already used; sign in again"}
WRONG_PASSWORD = {"message": "The password is incorrect"}
NOT_ENABLED = {"message": "Two-step verification is not enabled"}
ALREADY_ENABLED = {"message": "Two-step verification is already enabled"}
NO_SETUP = {"message": "Start the setup first"}
TOKEN_FIELDS = {"accessToken", "refreshToken", "tokenType", "expiresIn", "expires"}


def _claims(access: str) -> dict[str, object]:
    claims: dict[str, object] = jwt.decode(access, options={"verify_signature": False})
    return claims


def _second_step(client: httpx.Client, token: str, **factor: object) -> httpx.Response:
    return client.post("/api/auth/login/mfa", json={"mfaToken": token, **factor})


def test_setup_answers_secret_uri_and_qr_and_changes_nothing_yet(
    server: Server, client: httpx.Client
) -> None:
    name = fresh_user(server)
    access = tokens(client, name)["accessToken"]

    response = client.post("/api/auth/mfa/totp/setup", headers=bearer(access))

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"secret", "otpauthUri", "qrSvg"}
    uri = urlparse(body["otpauthUri"])
    assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", f"/ticketbooth:{name}")
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert body["qrSvg"].startswith("<svg")
    # not confirmed: the password alone still signs in
    assert set(login(client, name).json()) == TOKEN_FIELDS


def test_confirm_refuses_a_wrong_code_and_a_missing_setup(
    server: Server, client: httpx.Client
) -> None:
    access = tokens(client, fresh_user(server))["accessToken"]
    early = client.post(
        "/api/auth/mfa/totp/confirm", json={"code": "123456"}, headers=bearer(access)
    )
    assert early.status_code == 400
    assert early.json() == NO_SETUP
    secret = client.post("/api/auth/mfa/totp/setup", headers=bearer(access)).json()["secret"]
    right = Authenticator(secret).code()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    for code in (wrong, "abcdef", "1234567"):
        response = client.post(
            "/api/auth/mfa/totp/confirm", json={"code": code}, headers=bearer(access)
        )
        assert response.status_code == 400
        assert response.json() == INVALID_CODE


def test_two_step_login_with_a_totp_code(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    phone, codes = enable_totp(client, tokens(client, name)["accessToken"])
    assert len(codes) == 10
    assert len(set(codes)) == 10

    first = login(client, name)

    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"mfaRequired", "mfaToken", "methods"}
    assert body["mfaRequired"] is True
    assert body["methods"] == ["totp", "recovery"]
    second = _second_step(client, body["mfaToken"], code=phone.code())
    assert second.status_code == 200, second.text
    assert set(second.json()) == TOKEN_FIELDS
    claims = _claims(second.json()["accessToken"])
    assert claims["amr"] == ["pwd", "otp"]
    assert isinstance(claims["sid"], str)
    # the mfaToken works once
    again = _second_step(client, body["mfaToken"], code=phone.code())
    assert again.status_code == 401
    assert again.json() == SIGN_IN_OVER


def test_a_totp_code_works_once(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    phone, _ = enable_totp(client, tokens(client, name)["accessToken"])
    code = phone.code()
    assert _second_step(client, mfa_token(client, name), code=code).status_code == 200

    replayed = _second_step(client, mfa_token(client, name), code=code)

    assert replayed.status_code == 401
    assert replayed.json() == INVALID_CODE


def test_an_mfa_token_allows_five_tries(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    phone, _ = enable_totp(client, tokens(client, name)["accessToken"])
    token = mfa_token(client, name)
    right = phone.code()
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"

    for _ in range(5):
        response = _second_step(client, token, code=wrong)
        assert response.status_code == 401
        assert response.json() == INVALID_CODE
    spent = _second_step(client, token, code=right)

    assert spent.status_code == 401
    assert spent.json() == SIGN_IN_OVER


def test_unknown_mfa_token_and_malformed_bodies(client: httpx.Client) -> None:
    unknown = _second_step(client, "not-a-token", code="123456")
    assert unknown.status_code == 401
    assert unknown.json() == SIGN_IN_OVER
    for body in ({"mfaToken": "t"}, {"mfaToken": "t", "code": "1", "recoveryCode": "2"}):
        response = client.post("/api/auth/login/mfa", json=body)
        assert response.status_code == 422
        assert response.json() == {
            "message": "body: Value error, give exactly one of code and recoveryCode"
        }
    missing = client.post("/api/auth/login/mfa", json={"code": "123456"})
    assert missing.status_code == 422
    assert missing.json() == {"message": "mfaToken: Field required"}


def test_recovery_codes_work_once_and_regenerating_voids_them(
    server: Server, client: httpx.Client
) -> None:
    name = fresh_user(server)
    access = tokens(client, name)["accessToken"]
    _, codes = enable_totp(client, access)

    used = _second_step(client, mfa_token(client, name), recoveryCode=codes[0].upper())
    assert used.status_code == 200, used.text
    assert _claims(used.json()["accessToken"])["amr"] == ["pwd", "recovery"]
    twice = _second_step(client, mfa_token(client, name), recoveryCode=codes[0])
    assert twice.status_code == 401
    assert twice.json() == INVALID_CODE

    wrong = client.post(
        "/api/auth/mfa/recovery-codes", json={"password": "nope"}, headers=bearer(access)
    )
    assert wrong.status_code == 400
    assert wrong.json() == WRONG_PASSWORD
    fresh = client.post(
        "/api/auth/mfa/recovery-codes", json={"password": PASSWORD}, headers=bearer(access)
    )
    assert fresh.status_code == 200
    new_codes = fresh.json()["recoveryCodes"]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    void = _second_step(client, mfa_token(client, name), recoveryCode=codes[1])
    assert void.status_code == 401
    assert void.json() == INVALID_CODE
    assert (
        _second_step(client, mfa_token(client, name), recoveryCode=new_codes[1]).status_code == 200
    )


def test_me_shows_totp_and_the_recovery_codes_left(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    access = tokens(client, name)["accessToken"]

    def mfa() -> object:
        me = client.get("/api/auth/me", headers=bearer(access))
        assert me.status_code == 200, me.text
        return me.json()["mfa"]

    assert mfa() == {"totp": False, "recoveryCodes": 0, "passkeys": 0}
    _, codes = enable_totp(client, access)
    assert mfa() == {"totp": True, "recoveryCodes": 10, "passkeys": 0}
    used = _second_step(client, mfa_token(client, name), recoveryCode=codes[0])
    assert used.status_code == 200, used.text
    assert mfa() == {"totp": True, "recoveryCodes": 9, "passkeys": 0}


def test_disable_needs_the_password(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    access = tokens(client, name)["accessToken"]
    not_yet = client.post(
        "/api/auth/mfa/totp/disable", json={"password": PASSWORD}, headers=bearer(access)
    )
    assert not_yet.status_code == 400
    assert not_yet.json() == NOT_ENABLED
    enable_totp(client, access)
    again = client.post("/api/auth/mfa/totp/setup", headers=bearer(access))
    assert again.status_code == 409
    assert again.json() == ALREADY_ENABLED

    wrong = client.post(
        "/api/auth/mfa/totp/disable", json={"password": "nope"}, headers=bearer(access)
    )
    assert wrong.status_code == 400
    assert wrong.json() == WRONG_PASSWORD
    assert login(client, name).json()["mfaRequired"] is True
    done = client.post(
        "/api/auth/mfa/totp/disable", json={"password": PASSWORD}, headers=bearer(access)
    )
    assert done.status_code == 204
    assert set(login(client, name).json()) == TOKEN_FIELDS


def test_second_step_in_cookie_mode(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    phone, _ = enable_totp(client, tokens(client, name)["accessToken"])
    first = login(client, name, useCookies=True)
    assert first.json()["mfaRequired"] is True
    assert "access_token" not in first.cookies

    second = _second_step(client, first.json()["mfaToken"], code=phone.code(), useCookies=True)

    assert second.status_code == 200, second.text
    assert second.json()["userName"] == name
    assert "accessToken" not in second.json()
    assert second.cookies.get("access_token")


def test_wrong_codes_count_toward_the_login_limits(server: Server, client: httpx.Client) -> None:
    name = fresh_user(server)
    phone, _ = enable_totp(client, tokens(client, name)["accessToken"])
    wrong = f"{(int(phone.totp.now()) + 500_000) % 1_000_000:06d}"

    for _ in range(2):
        token = mfa_token(client, name)
        for _ in range(5):
            assert _second_step(client, token, code=wrong).json() == INVALID_CODE

    locked = login(client, name)
    assert locked.status_code == 429
    assert locked.json() == {"message": "Too many failed attempts; try again later"}
    assert int(locked.headers["Retry-After"]) > 0


def test_mfa_routes_need_a_token(client: httpx.Client) -> None:
    for path in (
        "/api/auth/mfa/totp/setup",
        "/api/auth/mfa/totp/confirm",
        "/api/auth/mfa/totp/disable",
        "/api/auth/mfa/recovery-codes",
    ):
        response = client.post(path, json={})
        assert response.status_code == 401, path
        assert response.json() == {"message": "Authentication required"}
