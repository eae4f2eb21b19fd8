"""Database fixtures: one suite, run over SQLite and PostgreSQL.

Import the fixtures into a directory's ``conftest.py``::

    from tests.databases import database_url, db, engine_name, migrated_database

``engine_name`` is parametrized with the ids ``sqlite`` and ``postgresql`` (the latter
also carries the ``postgres`` mark), so ``-k sqlite``, ``-k postgresql`` or
``-m "not postgres"`` select one engine.

``database_url`` is an empty database per test: a file in ``tmp_path`` for SQLite, and
for PostgreSQL a database of its own, ``tb_<random hex>``, created through the ``test``
database with AUTOCOMMIT and dropped ``WITH (FORCE)`` afterwards.  ``db`` is migrated
once per test module and engine (``CREATE DATABASE`` costs a few hundred milliseconds)
and reset before each test to the rows the migrations left.

When PostgreSQL does not answer its tests are skipped, or fail when the ``CI``
environment variable is set: CI must not go green by skipping half the suite.
``TEST_POSTGRES_URL`` points the tests at another server.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tests.servers import require
from ticketbooth.store.db import Database, make_engine, migrate

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

ENGINES = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
)
"""The parameters of every database-backed suite."""


@functools.cache
def _postgres_problem() -> str | None:
    """Why the PostgreSQL server cannot be used, or None; asked once per session."""
    engine = create_engine(
        POSTGRES_ADMIN_URL, poolclass=NullPool, connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, ImportError) as exc:
        lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return lines[0] if lines else type(exc).__name__
    finally:
        engine.dispose()
    return None


def require_postgres() -> None:
    """Skip the test when PostgreSQL is unreachable (fail instead when ``CI`` is set)."""
    problem = _postgres_problem()
    if problem is None:
        return
    where = make_url(POSTGRES_ADMIN_URL).render_as_string(hide_password=True)
    require(f"PostgreSQL at {where}", None if problem is None else f"unreachable: {problem}")


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped (WITH (FORCE)) afterwards."""
    require_postgres()
    name = f"tb_{secrets.token_hex(8)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(POSTGRES_ADMIN_URL)
                .set(database=name)
                .render_as_string(hide_password=False)
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


@pytest.fixture(scope="module", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``."""
    return str(request.param)


@pytest.fixture
def database_url(engine_name: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no tables yet) on each engine."""
    if engine_name == "sqlite":
        yield sqlite_url(tmp_path / "ticketbooth.db")
    else:
        with postgres_database() as url:
            yield url


@dataclass(frozen=True)
class MigratedDatabase:
    """A database just after :func:`migrate`, and the rows the migrations left in it."""

    url: str
    tables: tuple[Table, ...]  # parents before children
    seed: dict[str, list[dict[str, Any]]]

    def reset(self, engine: Engine) -> None:
        """Put every table back as the migrations left it (in one transaction)."""
        with engine.begin() as connection:
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table in self.tables:
                if rows := self.seed[table.name]:
                    connection.execute(table.insert(), rows)


@pytest.fixture(scope="module")
def migrated_database(
    engine_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MigratedDatabase]:
    """A database migrated with :func:`migrate`, shared by one test module."""
    with ExitStack() as stack:
        if engine_name == "sqlite":
            url = sqlite_url(tmp_path_factory.mktemp("db") / "ticketbooth.db")
        else:
            url = stack.enter_context(postgres_database())
        engine = make_engine(url)
        try:
            migrate(engine)
            metadata = MetaData()
            metadata.reflect(engine)
            tables = tuple(t for t in metadata.sorted_tables if t.name != "alembic_version")
            with engine.connect() as connection:
                seed = {
                    t.name: [dict(row._mapping) for row in connection.execute(t.select())]
                    for t in tables
                }
        finally:
            engine.dispose()
        yield MigratedDatabase(url, tables, seed)


@pytest.fixture
def db(migrated_database: MigratedDatabase) -> Iterator[Database]:
    """A freshly migrated database (reset to its post-migration rows); disposed afterwards."""
    database = Database.from_url(migrated_database.url)
    try:
        migrated_database.reset(database.engine)
        yield database
    finally:
        database.dispose()
