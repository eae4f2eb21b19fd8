"""``--help`` everywhere, ``main(argv)``, and the installed console script."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from tests.cli.conftest import PASSWORD, Cli
from tests.servers import clean_environ
from ticketbooth.cli import app, main


def command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and group under ``command``, as argument lists."""
    paths = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths.extend(command_paths(sub, (*path, name)))
    return paths


COMMANDS = command_paths(typer.main.get_command(app))


def test_every_documented_command_exists() -> None:
    for path in [
        ("serve",),
        ("demo",),
        ("users", "add"),
        ("users", "list"),
        ("users", "set-role"),
        ("users", "set-password"),
        ("users", "disable"),
        ("users", "enable"),
        ("users", "delete"),
        ("keys", "generate"),
        ("keys", "rotate"),
        ("keys", "list"),
        ("keys", "retire"),
        ("token", "decode"),
    ]:
        assert path in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "ticketbooth")
def test_help(cli: Cli, path: tuple[str, ...]) -> None:
    result = cli.ok(*path, "--help")
    assert "Usage:" in result.stdout
    assert not (cli_dir := Path.cwd() / "ticketbooth.db").exists(), cli_dir  # help touches nothing


def test_main_runs_a_command(cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "alice", "--role", "User", "--password-stdin"]) == 0
    assert capsys.readouterr().out == "created user alice (id 1, role User)\n"


def test_main_returns_the_error_exit_code(cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys):
    cli.add_user("alice")
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD))
    assert main(["users", "add", "alice", "--role", "User", "--password-stdin"]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", "error: user 'alice' already exists\n")


def test_main_help(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "Usage:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["no-such-command"], "No such command 'no-such-command'"),
        (["users", "add"], "Missing argument 'NAME'"),
        (["keys", "generate", "--alg"], "Option '--alg' requires an argument"),
        (["demo", "--port", "eighty"], "Invalid value for '--port'"),
    ],
)
def test_main_usage_errors_exit_2_without_a_traceback(
    cli: Cli, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message.lower() in err.lower()
    assert "Traceback" not in err


def test_main_without_arguments_shows_help(cli: Cli, capsys: pytest.CaptureFixture[str]):
    assert main([]) == 2
    assert "Usage:" in "".join(capsys.readouterr())


def test_installed_console_script(tmp_path: Path) -> None:
    script = shutil.which("ticketbooth", path=str(Path(sys.executable).parent))
    assert script is not None, "the ticketbooth console script is not installed in the venv"
    env = clean_environ()
    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "users" in result.stdout
    assert list(tmp_path.iterdir()) == []
