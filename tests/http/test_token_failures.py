"""Every way a request to a protected route can fail authentication (RFC 6750 answers)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.servers import Server

from .helpers import (
    assert_invalid_token,
    assert_no_token,
    b64url,
    bearer,
    claims_for,
    forge,
    segment,
    unverified,
)

EXPIRED = "The token expired"
NOT_YET_VALID = "The token is not yet valid"
BAD_SIGNATURE = "The signature is invalid"
WRONG_ISSUER = "The issuer is invalid"
WRONG_AUDIENCE = "The audience is invalid"
MALFORMED = "The token is malformed"
ALGORITHM = "The algorithm is not allowed"
MISSING_CLAIM = "A required claim is missing"

PROTECTED = [
    ("GET", "/api/products"),
    ("GET", "/api/products/1"),
    ("POST", "/api/products"),
    ("DELETE", "/api/products/1"),
    ("GET", "/api/products/my-info"),
    ("POST", "/api/auth/logout"),
]


class Issued:
    """A token the server issued, taken apart so tests can forge variants of it."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.header, self.claims = unverified(token)
        self.kid: str = self.header["kid"]

    def forge(self, **changes: Any) -> str:
        """Re-signed with the server's secret, with fresh times and ``changes``."""
        return forge(self.header, claims_for(self.claims, **changes))


@pytest.fixture(scope="module")
def issued(server: Server) -> Issued:
    return Issued(server.token("john"))


def _my_info(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/api/products/my-info", headers=bearer(token))


def test_forged_copy_of_a_good_token_is_accepted(client: httpx.Client, issued: Issued) -> None:
    # The forging below is only meaningful if an unchanged forgery passes.
    assert _my_info(client, issued.token).status_code == 200
    assert _my_info(client, issued.forge()).status_code == 200


# -- each check, with the description API.md names ------------------------------------------

Forgery = Callable[[Issued], str]


def _at(offset: int) -> int:
    """Seconds since the epoch, ``offset`` from now (read when the token is forged)."""
    return int(time.time()) + offset


def _tampered_payload(issued: Issued) -> str:
    header, _, signature = issued.token.split(".")
    return f"{header}.{segment({**issued.claims, 'role': 'Admin'})}.{signature}"


def _truncated_signature(issued: Issued) -> str:
    return issued.token[:-1]  # 42 base64url characters still decode


def _flipped_signature(issued: Issued) -> str:
    head, _, signature = issued.token.rpartition(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"


def _empty_signature(issued: Issued) -> str:
    return issued.token.rpartition(".")[0] + "."


def _other_secret(issued: Issued) -> str:
    return forge(issued.header, claims_for(issued.claims), secret=b"another-secret-" * 3)


def _unknown_kid(issued: Issued) -> str:
    return forge({**issued.header, "kid": "no-such-key"}, claims_for(issued.claims))


def _alg_none(issued: Issued) -> str:
    header = {"alg": "none", "typ": "JWT", "kid": issued.kid}
    return f"{segment(header)}.{segment(claims_for(issued.claims))}."


def _alg_none_without_kid(issued: Issued) -> str:
    return f"{segment({'alg': 'none'})}.{segment(claims_for(issued.claims))}."


def _hs512(issued: Issued) -> str:
    header = {**issued.header, "alg": "HS512"}
    return forge(header, claims_for(issued.claims), digest="sha512")


def _rs256_with_servers_kid(issued: Issued) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_input = (
        segment({**issued.header, "alg": "RS256"}) + "." + segment(claims_for(issued.claims))
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(signature)


def _alg_missing(issued: Issued) -> str:
    return forge({"typ": "JWT", "kid": issued.kid}, claims_for(issued.claims))


def _unknown_crit(issued: Issued) -> str:
    header = {**issued.header, "crit": ["exp-extension"], "exp-extension": True}
    return forge(header, claims_for(issued.claims))


def _payload_not_json(issued: Issued) -> str:
    return forge(issued.header, b"not json")


def _payload_not_object(issued: Issued) -> str:
    return forge(issued.header, b"[1, 2]")


def _header_not_json(issued: Issued) -> str:
    return forge(b"{not json", claims_for(issued.claims))


CASES: list[Any] = [
    pytest.param(
        lambda i: i.forge(exp=_at(-10), iat=_at(-100), nbf=_at(-100)), EXPIRED, id="expired"
    ),
    pytest.param(lambda i: i.forge(nbf=_at(600)), NOT_YET_VALID, id="nbf-in-future"),
    pytest.param(_tampered_payload, BAD_SIGNATURE, id="tampered-payload"),
    pytest.param(_truncated_signature, BAD_SIGNATURE, id="truncated-signature"),
    pytest.param(_flipped_signature, BAD_SIGNATURE, id="flipped-signature"),
    pytest.param(_empty_signature, BAD_SIGNATURE, id="empty-signature"),
    pytest.param(_other_secret, BAD_SIGNATURE, id="other-secret-same-kid"),
    pytest.param(_unknown_kid, BAD_SIGNATURE, id="unknown-kid"),
    pytest.param(lambda i: i.forge(iss="someone-else"), WRONG_ISSUER, id="wrong-issuer"),
    pytest.param(lambda i: i.forge(aud="another-api"), WRONG_AUDIENCE, id="wrong-audience"),
    pytest.param(lambda i: i.forge(aud=["a", "b"]), WRONG_AUDIENCE, id="audience-not-in-list"),
    pytest.param(lambda i: "garbage", MALFORMED, id="garbage"),
    pytest.param(lambda i: i.token.rpartition(".")[0], MALFORMED, id="two-segments"),
    pytest.param(lambda i: i.token + ".x", MALFORMED, id="four-segments"),
    pytest.param(lambda i: i.token + "=", MALFORMED, id="padding"),
    pytest.param(lambda i: "a" * 9000, MALFORMED, id="huge"),
    pytest.param(_payload_not_json, MALFORMED, id="payload-not-json"),
    pytest.param(_payload_not_object, MALFORMED, id="payload-not-object"),
    pytest.param(_header_not_json, MALFORMED, id="header-not-json"),
    pytest.param(lambda i: i.forge(exp=str(_at(600))), MALFORMED, id="exp-string"),
    pytest.param(lambda i: i.forge(exp=None), MALFORMED, id="exp-null"),
    pytest.param(lambda i: i.forge(exp=True), MALFORMED, id="exp-bool"),
    pytest.param(lambda i: i.forge(nbf=str(_at(0))), MALFORMED, id="nbf-string"),
    pytest.param(lambda i: i.forge(iat=[_at(0)]), MALFORMED, id="iat-list"),
    pytest.param(lambda i: i.forge(exp=10**400), MALFORMED, id="exp-too-large"),
    pytest.param(lambda i: i.forge(exp=float("nan")), MALFORMED, id="exp-nan"),
    pytest.param(lambda i: i.forge(exp=float("inf")), MALFORMED, id="exp-infinity"),
    pytest.param(lambda i: i.forge(exp=float("-inf")), MALFORMED, id="exp-minus-infinity"),
    pytest.param(lambda i: i.forge(nbf=float("inf")), MALFORMED, id="nbf-infinity"),
    pytest.param(lambda i: i.forge(sub=2), MALFORMED, id="sub-number"),
    pytest.param(lambda i: i.forge(aud={"a": 1}), MALFORMED, id="aud-object"),
    pytest.param(_unknown_crit, MALFORMED, id="unknown-crit"),
    pytest.param(_alg_none, ALGORITHM, id="alg-none"),
    pytest.param(_alg_none_without_kid, ALGORITHM, id="alg-none-no-kid"),
    pytest.param(_hs512, ALGORITHM, id="alg-HS512"),
    pytest.param(_rs256_with_servers_kid, ALGORITHM, id="alg-RS256-servers-kid"),
    pytest.param(_alg_missing, ALGORITHM, id="alg-missing"),
    pytest.param(lambda i: i.forge(exp=...), MISSING_CLAIM, id="no-exp"),
    pytest.param(lambda i: i.forge(sub=...), MISSING_CLAIM, id="no-sub"),
    pytest.param(lambda i: i.forge(iss=...), MISSING_CLAIM, id="no-iss"),
    pytest.param(lambda i: i.forge(aud=...), MISSING_CLAIM, id="no-aud"),
]


@pytest.mark.parametrize(("make", "description"), CASES)
def test_bad_token_is_refused(
    client: httpx.Client, issued: Issued, make: Forgery, description: str
) -> None:
    assert_invalid_token(_my_info(client, make(issued)), description)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_route_checks_the_token(
    client: httpx.Client, method: str, path: str
) -> None:
    response = client.request(method, path, headers=bearer("garbage"))

    assert_invalid_token(response, MALFORMED)


# -- no usable bearer token -------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_is_401(client: httpx.Client, method: str, path: str) -> None:
    assert_no_token(client.request(method, path))


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Basic am9objpzZWNyZXQ=", id="basic"),
        pytest.param("Digest username=john", id="digest"),
        pytest.param("Token {token}", id="token-scheme"),
        pytest.param("{token}", id="no-scheme"),
        pytest.param("Bearer", id="scheme-only"),
        pytest.param("Bearer:{token}", id="colon"),
        pytest.param("", id="empty"),
    ],
)
def test_other_schemes_are_401(client: httpx.Client, issued: Issued, authorization: str) -> None:
    headers = {"Authorization": authorization.format(token=issued.token)}

    assert_no_token(client.get("/api/products/my-info", headers=headers))


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_scheme_name_is_case_insensitive(client: httpx.Client, issued: Issued, scheme: str) -> None:
    response = client.get(
        "/api/products/my-info", headers={"Authorization": f"{scheme} {issued.token}"}
    )

    assert response.status_code == 200
    assert response.json()["userName"] == "john"


@pytest.mark.parametrize("parameter", ["access_token", "token", "jwt"])
def test_token_in_query_string_is_ignored(
    client: httpx.Client, issued: Issued, parameter: str
) -> None:
    response = client.get("/api/products/my-info", params={parameter: issued.token})

    assert_no_token(response)
