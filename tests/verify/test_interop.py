"""ticketbooth tokens verify elsewhere, from the JWKS document alone."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet as JoseKeySet

from tests.servers import require, require_node
from ticketbooth.tokens import Key, KeySet, TokenIssuer

INTEROP = Path(__file__).resolve().parents[1] / "interop"
ISSUER, AUDIENCE = "https://auth.example.com", "orders-api"
ASYMMETRIC = ["RS256", "ES256", "EdDSA"]


def _issue(alg: str) -> tuple[str, dict[str, Any], Key]:
    key = Key.generate(alg, rsa_bits=2048) if alg == "RS256" else Key.generate(alg)
    keys = KeySet([key])
    issuer = TokenIssuer(keys, issuer=ISSUER, audience=AUDIENCE, lifetime=300)
    token = issuer.issue(subject="42", name="john", role="User", email="john@example.com")
    return token.token, keys.export_jwks(), key


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_pyjwt_verifies_from_jwks(alg: str) -> None:
    token, jwks, key = _issue(alg)
    jwk_set = pyjwt.PyJWKSet.from_dict(jwks)
    signing_key = jwk_set[key.kid]
    claims = pyjwt.decode(
        token,
        signing_key.key,
        algorithms=[alg],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iss", "aud", "sub"]},
    )
    assert claims["sub"] == "42"
    assert claims["name"] == "john"


# joserfc warns that RFC 9864 deprecates the polymorphic "EdDSA" name in favour of
# "Ed25519"; API.md names EdDSA, so the warning is expected here.
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")
@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_joserfc_verifies_from_jwks(alg: str) -> None:
    token, jwks, _key = _issue(alg)
    key_set = JoseKeySet.import_key_set(jwks)  # type: ignore[arg-type]
    decoded = jose_jwt.decode(token, key_set, algorithms=[alg])
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
    )
    registry.validate(decoded.claims)
    assert decoded.claims["sub"] == "42"
    assert decoded.header["kid"] == _key.kid


def _node() -> str:
    node = require_node()
    require(
        "the npm package jose",
        None
        if (INTEROP / "node_modules" / "jose").is_dir()
        else "tests/interop/node_modules/jose is missing; `make test` installs it",
    )
    return node


@pytest.mark.parametrize("alg", ASYMMETRIC)
def test_node_jose_verifies_from_jwks(alg: str, tmp_path: Path) -> None:
    node = _node()
    token, jwks, key = _issue(alg)
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    result = subprocess.run(
        [node, str(INTEROP / "verify.mjs"), str(tmp_path / "jwks.json"), ISSUER, AUDIENCE],
        input=token,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    verdict = json.loads(result.stdout)
    assert verdict["ok"] is True, verdict
    assert verdict["claims"]["sub"] == "42"
    assert verdict["header"]["kid"] == key.kid

    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = subprocess.run(
        [node, str(INTEROP / "verify.mjs"), str(tmp_path / "jwks.json"), ISSUER, AUDIENCE],
        input=tampered,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(refused.stdout)["ok"] is False
