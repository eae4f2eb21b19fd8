"""``ticketbooth token mint``: in process, and against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.servers import SECRET, ServerFactory, scrub_ticketbooth_env
from ticketbooth import Key, KeySet, TokenValidator, ValidationParameters, decode_unverified
from ticketbooth.assembly import build
from ticketbooth.cli import app
from ticketbooth.config import load_settings
from ticketbooth.testing import bearer, fast_hasher


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A clean environment and an empty working directory (the default database lives here)."""
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def mint(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, ["token", "mint", *args], env=env)


def claims_of(token: str) -> dict[str, Any]:
    return decode_unverified(token)[1]


def test_mint_refuses_without_a_key_and_creates_nothing(workdir: Path) -> None:
    result = mint("--role", "Admin")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: no signing key is configured;")
    assert list(workdir.iterdir()) == []


def test_mint_signs_with_the_environment_secret(workdir: Path) -> None:
    result = mint("--role", "Admin", env={"TICKETBOOTH_SECRET_KEY": SECRET})

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    validator = TokenValidator(
        KeySet([Key.from_secret(SECRET.encode())]),
        ValidationParameters(issuer="ticketbooth", audience="ticketbooth-api"),
    )
    claims = validator.validate(token)
    assert (claims["name"], claims["role"], claims["sub"]) == ("developer", "Admin", "developer")
    assert result.stderr.startswith("warning: this token is real:")
    assert "as developer (Admin) until " in result.stderr
    assert list(workdir.iterdir()) == []


def test_mint_signs_with_the_databases_active_key(workdir: Path) -> None:
    services = build(load_settings(), hasher=fast_hasher())
    user = services.users.add("ana", "correct horse battery staple", role="Admin", email="a@b.co")

    result = mint("--user", "ana", "--claim", "tenant=acme", "--claim", "level=3", "--minutes", "5")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    claims = services.validator.validate(token)
    assert claims["sub"] == str(user.id)
    assert (claims["role"], claims["email"]) == ("Admin", "a@b.co")  # the user's own
    assert (claims["tenant"], claims["level"]) == ("acme", 3)
    assert claims["exp"] - claims["iat"] == 300
    assert decode_unverified(token)[0]["kid"] == services.issuer.keys.signing_key.kid
    assert "note:" not in result.stderr
    services.close()


def test_mint_names_an_unknown_user_as_such(workdir: Path) -> None:
    build(load_settings(), hasher=fast_hasher()).close()

    result = mint("--user", "ghost")

    assert result.exit_code == 0
    assert claims_of(result.stdout.strip())["role"] == "User"
    assert "note: no user 'ghost' in the database; `sub` is the name" in result.stderr


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--role", "admin"], "error: unknown role 'admin'; use one of Admin, User"),
        (["--claim", "iss=elsewhere"], "error: extra claims may not override ['iss']"),
        (["--claim", "no-equals-sign"], "error: --claim 'no-equals-sign': use name=value"),
        (["--minutes", "0"], "error: --minutes must be more than 0"),
    ],
)
def test_mint_refuses_bad_arguments_in_one_line(workdir: Path, args: list[str], error: str) -> None:
    result = mint(*args, env={"TICKETBOOTH_SECRET_KEY": SECRET})

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == error


def test_a_minted_admin_token_is_accepted_by_the_running_service(
    server_factory: ServerFactory,
) -> None:
    server = server_factory(users={})

    result = server.cli("token", "mint", "--role", "Admin")

    assert result.returncode == 0, result.stderr
    assert "warning: this token is real" in result.stderr
    with server.client() as client:
        response = client.post(
            "/api/products",
            json={"name": "Minted widget", "price": 1.5},
            headers=bearer(result.stdout.strip()),
        )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Minted widget"


def test_mint_writes_scopes_with_the_scope_option(workdir: Path) -> None:
    result = mint("--scope", "orders:read orders:write", env={"TICKETBOOTH_SECRET_KEY": SECRET})

    assert result.exit_code == 0, result.output
    assert claims_of(result.stdout.strip())["scope"] == "orders:read orders:write"


def test_mint_refuses_scope_as_a_free_claim(workdir: Path) -> None:
    result = mint("--claim", "scope=admin", env={"TICKETBOOTH_SECRET_KEY": SECRET})

    assert result.exit_code == 1
    assert result.stderr.strip() == "error: extra claims may not override ['scope']"
