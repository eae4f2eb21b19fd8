"""The CLI in process: ``typer.testing.CliRunner`` against ``ticketbooth.cli.app``.

Each test runs in its own ``tmp_path`` with no ``TICKETBOOTH_*`` variable but
``TICKETBOOTH_DATABASE_URL`` (a SQLite file there), and argon2 at its cheapest so a
command costs milliseconds rather than a tenth of a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import argon2
import pytest
from typer.testing import CliRunner, Result

from tests.databases import database_url, engine_name, sqlite_url
from tests.servers import scrub_ticketbooth_env
from ticketbooth.assembly import Services, build
from ticketbooth.auth.passwords import PasswordHasher
from ticketbooth.cli import app
from ticketbooth.config import load_settings

__all__ = ["database_url", "engine_name"]

PASSWORD = "correct horse battery staple"


def fast_hasher() -> PasswordHasher:
    """argon2id at its cheapest (these tests are about the CLI, not the hash)."""
    return PasswordHasher(
        argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=argon2.Type.ID)
    )


@dataclass
class Cli:
    """Runs ``ticketbooth ARGS`` in process."""

    runner: CliRunner

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)

    def ok(self, *args: str, input: str | None = None) -> Result:
        """Run and insist on exit 0."""
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result

    def add_user(self, name: str, role: str = "User", password: str = PASSWORD) -> Result:
        return self.ok("users", "add", name, "--role", role, "--password-stdin", input=password)

    @contextmanager
    def services(self) -> Iterator[Services]:
        """The same services the CLI builds, from the same environment."""
        services = build(load_settings())
        try:
            yield services
        finally:
            services.close()


def error_line(result: Result) -> str:
    """The one line a failed command prints; it exited non-zero and printed nothing else."""
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean ``TICKETBOOTH_*`` environment in ``tmp_path``; returns the directory."""
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("ticketbooth.assembly.PasswordHasher", fast_hasher)
    return tmp_path


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite")])
def cli(environment: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI on a SQLite file in ``tmp_path`` (the id lets ``-k sqlite`` select it)."""
    monkeypatch.setenv("TICKETBOOTH_DATABASE_URL", sqlite_url(environment / "ticketbooth.db"))
    return Cli(CliRunner())


@pytest.fixture
def cli_on_every_engine(environment: Path, monkeypatch: pytest.MonkeyPatch, database_url: str):
    """The CLI on an empty database of each engine."""
    monkeypatch.setenv("TICKETBOOTH_DATABASE_URL", database_url)
    return Cli(CliRunner())
