"""`check`: the security doctor."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from .. import doctor
from ..config import ENV_PREFIX, Settings, load_settings
from ..errors import ConfigurationError
from ..store.clients import SqlClientRepository
from ..store.db import Database, is_missing_sqlite_file
from ..store.keys import SqlKeyRepository
from ._base import (
    app,
    one_line_errors,
)

# -- check ------------------------------------------------------------------------------


@app.command()
@one_line_errors
def check(
    url: Annotated[
        str | None,
        typer.Option(help="A running service's base URL: also read its discovery and JWKS."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A TOML configuration file (as TICKETBOOTH_CONFIG).")
    ] = None,
    appsettings: Annotated[
        Path | None,
        typer.Option(help="An ASP.NET appsettings.json (as TICKETBOOTH_APPSETTINGS)."),
    ] = None,
) -> None:
    """Report security findings, each with a one-line fix; exit 1 when any is high."""
    named = {"CONFIG": config, "APPSETTINGS": appsettings}
    with _environment({ENV_PREFIX + k: str(v) for k, v in named.items() if v is not None}):
        try:
            settings = load_settings()
        except ConfigurationError as exc:
            findings = [doctor.unusable_configuration(exc.message)]
        else:
            deployment = doctor.Deployment(
                settings,
                now=datetime.now(UTC),
                key_active_since=_key_active_since(settings),
                published=doctor.fetch_published(url) if url else None,
                secret_clients=_secret_clients(settings),
            )
            findings = doctor.diagnose(deployment)
    for finding in findings:
        typer.echo(f"{finding.severity.upper():7} {finding.code:26} {finding.message}")
        typer.echo(f"{'':34} fix: {finding.fix}")
    counts = {s: sum(f.severity == s for f in findings) for s in doctor.SEVERITIES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    typer.echo(f"ticketbooth check: {summary}" if findings else "ticketbooth check: no findings")
    if doctor.is_blocking(findings):
        raise typer.Exit(1)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _key_active_since(settings: Settings) -> datetime | None:
    """When the active key of the configured algorithm started signing, if that is known."""
    if settings.secret_bytes is not None and settings.algorithm == "HS256":
        return None  # the secret comes from the environment: its age is not recorded
    try:
        if is_missing_sqlite_file(settings.database_url):
            return None
        db = Database.from_url(settings.database_url)
    except ConfigurationError:
        return None  # a URL `serve` would refuse as well; nothing to read
    try:
        records = SqlKeyRepository(db).list()
    except ConfigurationError:
        return None  # unreachable or not migrated yet: nothing signs from it
    finally:
        db.dispose()
    active = [r for r in records if r.state == "active" and r.alg == settings.algorithm]
    return max((r.activated_at or r.created_at for r in active), default=None)


def _secret_clients(settings: Settings) -> tuple[str, ...]:
    """Names of the OAuth clients that authenticate with a secret, if the database says."""
    try:
        if is_missing_sqlite_file(settings.database_url):
            return ()
        db = Database.from_url(settings.database_url)
    except ConfigurationError:
        return ()
    try:
        clients = SqlClientRepository(db).list()
    except (ConfigurationError, SQLAlchemyError):
        return ()  # unreachable, or not migrated to OAuth clients yet
    finally:
        db.dispose()
    return tuple(c.name for c in clients if c.auth_method == "client_secret")
