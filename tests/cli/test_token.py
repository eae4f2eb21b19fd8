"""``ticketbooth token decode``."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest

from tests.cli.conftest import Cli, error_line
from ticketbooth.tokens._compact import b64url_encode
from ticketbooth.tokens.issuer import TokenIssuer

CHECK_NAMES = ("signature", "required claims", "lifetime", "issuer", "audience")


def issue(cli: Cli, *, audience: str | None = None, age: float = 0.0) -> str:
    """A token signed with the configured key; ``age`` seconds old, for ``audience``."""
    with cli.services() as services:
        issuer = TokenIssuer(
            services.issuer.keys,
            issuer=services.settings.issuer,
            audience=audience or services.settings.audience,
            lifetime=services.settings.access_seconds,
            now=lambda: time.time() - age,
        )
        return issuer.issue(subject="7", name="john", role="User").token


def unverified(token: str, part: int) -> dict[str, Any]:
    """The header (0) or the claims (1), unchecked."""
    segment = token.split(".")[part]
    return dict(json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))))


def checks(stdout: str) -> dict[str, str]:
    """The verdict printed for each check, after the JSON document."""
    verdicts = dict(line.split(": ", 1) for line in stdout.splitlines()[-len(CHECK_NAMES) :])
    assert tuple(verdicts) == CHECK_NAMES
    return verdicts


def test_a_valid_token(cli: Cli) -> None:
    token = issue(cli)
    result = cli("token", "decode", token)
    assert result.exit_code == 0, result.stdout
    assert checks(result.stdout) == dict.fromkeys(CHECK_NAMES, "ok")
    document = json.loads("\n".join(result.stdout.splitlines()[: -len(CHECK_NAMES)]))
    assert document["header"]["alg"] == "HS256"
    assert document["claims"]["sub"] == "7"


def test_a_tampered_token(cli: Cli) -> None:
    header, payload, signature = issue(cli).split(".")
    claims = unverified(".".join([header, payload, signature]), 1)
    claims["role"] = "Admin"
    forged = ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])

    result = cli("token", "decode", forged)

    assert result.exit_code == 1
    verdicts = checks(result.stdout)
    assert verdicts.pop("signature") == "FAILED (The signature is invalid)"
    assert set(verdicts.values()) == {"ok"}
    assert '"role": "Admin"' in result.stdout  # it still shows what the token says


def test_an_expired_token(cli: Cli) -> None:
    result = cli("token", "decode", issue(cli, age=86400))
    assert result.exit_code == 1
    verdicts = checks(result.stdout)
    assert verdicts["lifetime"] == "FAILED (The token expired)"
    assert verdicts["signature"] == "ok"


def test_a_token_for_another_audience(cli: Cli) -> None:
    result = cli("token", "decode", issue(cli, audience="someone-else"))
    assert result.exit_code == 1
    verdicts = checks(result.stdout)
    assert verdicts["audience"] == "FAILED (The audience is invalid)"
    assert [name for name, verdict in verdicts.items() if verdict != "ok"] == ["audience"]


def test_a_token_signed_by_a_retired_key(cli: Cli) -> None:
    token = issue(cli)
    cli.ok("keys", "rotate")
    cli.ok("keys", "retire", unverified(token, 0)["kid"])

    result = cli("token", "decode", token)

    assert result.exit_code == 1
    assert checks(result.stdout)["signature"] == "FAILED (The signature is invalid)"


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", ""])
def test_not_a_token(cli: Cli, token: str) -> None:
    result = cli("token", "decode", token)
    assert result.exit_code == 1
    assert error_line(result) == "error: The token is malformed"
