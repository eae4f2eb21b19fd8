"""Configuration errors: one line naming the variable, and a non-zero exit."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli, error_line
from ticketbooth.cli import main

BAD_SETTINGS = [
    pytest.param("TICKETBOOTH_SECRET_KEY", "too-short", "at least 32", id="short-secret"),
    pytest.param(
        "TICKETBOOTH_SECRET_KEY",
        "-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
        "PEM or SSH key",
        id="pem-secret",
    ),
    pytest.param("TICKETBOOTH_ALGORITHM", "none", "HS256", id="alg-none"),
    pytest.param("TICKETBOOTH_ACCESS_MINUTES", "0", "greater than 0", id="access-minutes-0"),
    pytest.param("TICKETBOOTH_ACCESS_MINUTES", "soon", "number", id="access-minutes-text"),
    pytest.param(
        "TICKETBOOTH_DATABASE_URL",
        "postgresql+psycopg://postgres@127.0.0.1:1/nothing",
        "cannot connect to the database",
        id="database-unreachable",
    ),
    pytest.param("TICKETBOOTH_DATABASE_URL", "not a url", "cannot parse", id="database-url"),
]


@pytest.mark.parametrize(("variable", "value", "expected"), BAD_SETTINGS)
def test_a_bad_setting(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    result = cli("users", "list")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith(f"error: {variable}: ")
    assert expected in line
    if variable == "TICKETBOOTH_SECRET_KEY":
        assert value not in line  # secrets never print


@pytest.mark.parametrize(("variable", "value", "expected"), BAD_SETTINGS)
def test_a_bad_setting_through_main(
    cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["keys", "list"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {variable}: ")


def test_a_bad_toml_file(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / "ticketbooth.toml").write_text("access_minutes = 0\n")
    result = cli("users", "list")
    assert error_line(result).startswith("error: TICKETBOOTH_ACCESS_MINUTES: ")


def test_a_missing_config_file(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETBOOTH_CONFIG", "no-such-file.toml")
    result = cli("users", "list")
    assert error_line(result) == "error: TICKETBOOTH_CONFIG: no such file 'no-such-file.toml'"


def test_encrypted_keys_without_the_encryption_key(
    cli_on_every_engine: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = cli_on_every_engine
    monkeypatch.setenv("TICKETBOOTH_KEY_ENCRYPTION_KEY", "k" * 32)
    cli.ok("keys", "list")
    monkeypatch.delenv("TICKETBOOTH_KEY_ENCRYPTION_KEY")
    line = error_line(cli("keys", "list"))
    assert line == (
        "error: the signing keys are stored encrypted; set TICKETBOOTH_KEY_ENCRYPTION_KEY"
    )
