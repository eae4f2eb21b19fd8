"""Property: no passkey request makes the service answer 5xx, on either engine.

Arbitrary JSON as the credential, and a valid credential with one field (at any depth)
replaced by arbitrary JSON: strings with NUL and lone surrogates, huge numbers, deep
containers; derandomized, with the strategies and settings of
tests/http/test_properties.py and bounded example counts.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.http.test_properties import ANY_TEXT, FUZZ, JSON_VALUES
from tests.servers import Server

from .authenticator import SoftAuthenticator
from .conftest import ORIGIN, access_token, add_passkey, bearer, fresh_user

REGISTER_FIELDS = ["id", "rawId", "type", "clientDataJSON", "attestationObject", "transports"]
LOGIN_FIELDS = ["id", "rawId", "type", "clientDataJSON", "authenticatorData", "signature"]
LOGIN_FIELDS += ["userHandle"]


@pytest.fixture(scope="module")
def account(site: Server) -> tuple[dict[str, str], SoftAuthenticator]:
    """A user with one passkey: its bearer header and its authenticator."""
    phone = SoftAuthenticator(ORIGIN)
    with site.client() as client:
        access = access_token(client, fresh_user(site))
        add_passkey(client, access, phone)
    return bearer(access), phone


def _replace(credential: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    if field in credential:
        return {**credential, field: value}
    return {**credential, "response": {**credential["response"], field: value}}


def _post(site: Server, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    content = json.dumps(body).encode()  # ASCII: surrogates and NUL escaped
    with site.client() as client:
        return client.post(
            path, content=content, headers={**headers, "Content-Type": "application/json"}
        )


def _assert_not_5xx(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert isinstance(response.json()["message"], str)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_arbitrary_registration_bodies_never_5xx(
    site: Server, account: tuple[dict[str, str], SoftAuthenticator], data: st.DataObject
) -> None:
    headers, _ = account
    with site.client() as client:
        options = client.post("/api/auth/passkeys/register/options", headers=headers).json()
    good = SoftAuthenticator(ORIGIN).create(options)
    field = data.draw(st.sampled_from(REGISTER_FIELDS), label="field")
    credential = data.draw(
        JSON_VALUES | JSON_VALUES.map(lambda v: _replace(good, field, v)), label="credential"
    )
    name = data.draw(ANY_TEXT | JSON_VALUES, label="name")

    response = _post(
        site, "/api/auth/passkeys/register", {"name": name, "credential": credential}, headers
    )

    _assert_not_5xx(response)


@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_arbitrary_sign_in_bodies_never_5xx(
    site: Server, account: tuple[dict[str, str], SoftAuthenticator], data: st.DataObject
) -> None:
    _, phone = account
    with site.client() as client:
        options = client.post("/api/auth/passkeys/login/options").json()
    good = phone.get(options)
    field = data.draw(st.sampled_from(LOGIN_FIELDS), label="field")
    credential = data.draw(
        JSON_VALUES | JSON_VALUES.map(lambda v: _replace(good, field, v)), label="credential"
    )

    response = _post(site, "/api/auth/passkeys/login", {"credential": credential}, {})

    _assert_not_5xx(response)
    assert response.status_code in (401, 422)


@settings(FUZZ, max_examples=40)
@given(segment=ANY_TEXT.map(lambda s: quote(s.encode("utf-8", "surrogatepass"), safe="")))
def test_arbitrary_passkey_ids_never_5xx(
    site: Server, account: tuple[dict[str, str], SoftAuthenticator], segment: str
) -> None:
    headers, _ = account
    with site.client() as client:
        response = client.delete(f"/api/auth/passkeys/{segment}", headers=headers)

    assert response.status_code in (307, 404, 405), response.text  # 307: the empty id
