"""Every RFC 6749 §5.2 error of POST /oauth/token: status, body and headers exactly."""

from __future__ import annotations

import base64

import pytest

from tests.oauth.conftest import OAuthSetup
from tests.oauth.helpers import ASSERTION_TYPE, assert_oauth_error, post_form, register

GRANT = {"grant_type": "client_credentials"}
FAILED = "Client authentication failed"


def post(oauth: OAuthSetup, **data: str) -> dict[str, str]:
    return {
        "client_id": oauth.secret["client_id"],
        "client_secret": oauth.secret["client_secret"],
        **data,
    }


def test_invalid_client_unknown_client_over_basic_is_challenged(oauth: OAuthSetup) -> None:
    response = post_form(oauth.server, "/oauth/token", GRANT, auth=("nobody", "x" * 43))
    assert_oauth_error(response, 401, "invalid_client", FAILED)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="ticketbooth"'


def test_invalid_client_wrong_secret_over_basic_looks_like_an_unknown_client(
    oauth: OAuthSetup,
) -> None:
    response = post_form(
        oauth.server, "/oauth/token", GRANT, auth=(oauth.secret["client_id"], "wrong")
    )
    assert_oauth_error(response, 401, "invalid_client", FAILED)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="ticketbooth"'


def test_invalid_client_wrong_secret_in_the_body_is_not_challenged(oauth: OAuthSetup) -> None:
    response = post_form(oauth.server, "/oauth/token", post(oauth, client_secret="wrong", **GRANT))
    assert_oauth_error(response, 401, "invalid_client", FAILED)
    assert "WWW-Authenticate" not in response.headers


def test_invalid_client_without_any_authentication(oauth: OAuthSetup) -> None:
    response = post_form(
        oauth.server, "/oauth/token", {"client_id": oauth.secret["client_id"], **GRANT}
    )
    assert_oauth_error(response, 401, "invalid_client", "Client authentication is required")
    assert "WWW-Authenticate" not in response.headers


def test_invalid_client_malformed_basic_credentials(oauth: OAuthSetup) -> None:
    response = post_form(
        oauth.server, "/oauth/token", GRANT, headers={"Authorization": "Basic %%%"}
    )
    assert_oauth_error(response, 401, "invalid_client", "The Basic credentials are malformed")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="ticketbooth"'


def test_basic_credentials_are_form_decoded_per_rfc6749_2_3_1(oauth: OAuthSetup) -> None:
    # A secret is URL-safe base64, so form-encoding leaves it alone; an encoded id works too.
    client_id = oauth.secret["client_id"].replace("-", "%2D")
    raw = f"{client_id}:{oauth.secret['client_secret']}".encode()
    header = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    response = post_form(oauth.server, "/oauth/token", GRANT, headers=header)
    assert response.status_code == 200, response.text


def test_a_key_client_cannot_use_a_secret(oauth: OAuthSetup) -> None:
    response = post_form(
        oauth.server,
        "/oauth/token",
        {"client_id": oauth.pem_id, "client_secret": "anything", **GRANT},
    )
    assert_oauth_error(response, 401, "invalid_client", FAILED)


def test_a_secret_client_cannot_use_an_assertion(oauth: OAuthSetup) -> None:
    import time

    from authlib.oauth2.rfc7523 import private_key_jwt_sign
    from joserfc.jwk import RSAKey

    now = int(time.time())
    signed = private_key_jwt_sign(
        RSAKey.import_key(oauth.pem_private),
        client_id=oauth.secret["client_id"],
        token_endpoint=oauth.token_endpoint,
        alg="RS256",
        claims={"iat": now, "exp": now + 60},
    )
    data = {
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed.decode() if isinstance(signed, bytes) else str(signed),
        **GRANT,
    }
    response = post_form(oauth.server, "/oauth/token", data)
    assert_oauth_error(response, 401, "invalid_client", "This client authenticates with a secret")


@pytest.mark.parametrize(
    ("data", "description"),
    [
        ({}, "grant_type is required"),
        ({"grant_type": ""}, "grant_type is required"),
        (
            "grant_type=client_credentials&grant_type=client_credentials",
            "The parameter grant_type is repeated",
        ),
        (
            {"client_assertion_type": "urn:other", "client_assertion": "x.y.z", **GRANT},
            f"client_assertion_type must be {ASSERTION_TYPE}",
        ),
        ({"client_assertion_type": ASSERTION_TYPE, **GRANT}, "client_assertion is required"),
        ({"client_secret": "x", **GRANT}, "client_id is required with client_secret"),
    ],
    ids=["no-grant", "empty-grant", "repeated", "assertion-type", "no-assertion", "no-id"],
)
def test_invalid_request(oauth: OAuthSetup, data: dict[str, str] | str, description: str) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = post_form(oauth.server, "/oauth/token", data, headers=headers)
    assert_oauth_error(response, 400, "invalid_request", description)


def test_invalid_request_two_authentication_methods(oauth: OAuthSetup) -> None:
    response = post_form(
        oauth.server,
        "/oauth/token",
        post(oauth, **GRANT),
        auth=(oauth.secret["client_id"], oauth.secret["client_secret"]),
    )
    assert_oauth_error(
        response, 400, "invalid_request", "Use one client authentication method, not several"
    )


def test_invalid_request_json_instead_of_a_form(oauth: OAuthSetup) -> None:
    with oauth.server.client() as http:
        response = http.post("/oauth/token", json=post(oauth, **GRANT))
    assert_oauth_error(
        response, 400, "invalid_request", "The body must be application/x-www-form-urlencoded"
    )


def test_unsupported_grant_type(oauth: OAuthSetup) -> None:
    response = post_form(oauth.server, "/oauth/token", post(oauth, grant_type="password"))
    assert_oauth_error(
        response,
        400,
        "unsupported_grant_type",
        "Only grant_type=client_credentials is supported",
    )


@pytest.mark.parametrize(
    ("scope", "description"),
    [
        ("orders:delete", "The scope orders:delete is not granted to this client"),
        ("orders:read admin", "The scope admin is not granted to this client"),
        ('orders:read "quoted"', "The scope is malformed: '\"quoted\"' is not a valid scope"),
    ],
    ids=["not-granted", "one-of-two", "malformed"],
)
def test_invalid_scope(oauth: OAuthSetup, scope: str, description: str) -> None:
    response = post_form(oauth.server, "/oauth/token", post(oauth, scope=scope, **GRANT))
    assert_oauth_error(response, 400, "invalid_scope", description)


def test_unauthorized_client_when_disabled(oauth: OAuthSetup) -> None:
    client = register(oauth.server, f"to-disable-{oauth.database_url[:6]}")
    disabled = oauth.server.cli("clients", "disable", f"to-disable-{oauth.database_url[:6]}")
    assert disabled.returncode == 0, disabled.stderr
    response = post_form(oauth.server, "/oauth/token", {**client, **GRANT})
    assert_oauth_error(response, 400, "unauthorized_client", "This client is disabled")


def test_a_deleted_client_is_unknown(oauth: OAuthSetup) -> None:
    name = f"to-delete-{oauth.database_url[:6]}"
    client = register(oauth.server, name)
    assert oauth.server.cli("clients", "delete", name).returncode == 0
    response = post_form(oauth.server, "/oauth/token", {**client, **GRANT})
    assert_oauth_error(response, 401, "invalid_client", FAILED)


def test_a_rotated_secret_replaces_the_old_one(oauth: OAuthSetup) -> None:
    name = f"to-rotate-{oauth.database_url[:6]}"
    old = register(oauth.server, name)
    rotated = oauth.server.cli("clients", "rotate-secret", name)
    assert rotated.returncode == 0, rotated.stderr
    new = dict(line.split(": ", 1) for line in rotated.stdout.splitlines())
    assert new["client_id"] == old["client_id"]
    assert new["client_secret"] != old["client_secret"]
    refused = post_form(oauth.server, "/oauth/token", {**old, **GRANT})
    assert_oauth_error(refused, 401, "invalid_client", FAILED)
    assert post_form(oauth.server, "/oauth/token", {**new, **GRANT}).status_code == 200
