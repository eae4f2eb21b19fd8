"""A token built byte-for-byte the way the ASP.NET tutorial's TokenService builds it."""

from __future__ import annotations

import base64
import json
import time

import jwt as pyjwt
import pytest

from ticketbooth.tokens import Key, KeySet, MissingClaimError
from ticketbooth.verify import ASPNET_CLAIM_MAP, Verifier

SECRET = "your-secret-key-at-least-32-characters-long"  # the tutorial's appsettings.json
ISSUER, AUDIENCE = "yourapp.com", "yourapp-users"


def aspnet_token(now: int) -> str:
    # JwtSecurityTokenHandler: outbound claim map (NameIdentifier -> nameid, Name ->
    # unique_name), subject claims first, then nbf, exp, iat, iss, aud; no kid.
    payload = {
        "nameid": "1",
        "unique_name": "john",
        "email": "john@example.com",
        "role": "User",
        "nbf": now,
        "exp": now + 3600,
        "iat": now,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    token = pyjwt.encode(payload, SECRET.encode("ascii"), algorithm="HS256")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "HS256", "typ": "JWT"}
    return token


def _verifier(*, mapped: bool) -> Verifier:
    return Verifier(
        KeySet([Key.from_secret(SECRET.encode("ascii"))]),
        issuer=ISSUER,
        audience=AUDIENCE,
        claim_map=ASPNET_CLAIM_MAP if mapped else None,
    )


def test_aspnet_token_accepted_with_the_mapping() -> None:
    principal = _verifier(mapped=True).principal(aspnet_token(int(time.time())))
    assert principal.user_id == "1"
    assert principal.username == "john"
    assert principal.role == "User"
    assert principal.email == "john@example.com"


def test_aspnet_token_refused_without_the_mapping() -> None:
    with pytest.raises(MissingClaimError) as caught:
        _verifier(mapped=False).validate(aspnet_token(int(time.time())))
    assert caught.value.claim == "sub"
    assert caught.value.description == "A required claim is missing"
