"""Engines, sessions and migrations.

SQLite (the default) gets WAL, foreign keys and a busy timeout so concurrent writers wait
for each other instead of failing; PostgreSQL gets a pool whose connections are pinged
before use when they have been idle (see :data:`PING_AFTER_IDLE_SECONDS`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from ..tokens.errors import ConfigurationError

_MIGRATIONS = Path(__file__).parent / "migrations"


class StoreUnavailableError(ConfigurationError):
    """The database cannot be reached (answered as 503, never 500)."""

    description = "The database is unavailable; try again shortly"


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """An engine for ``url`` with the settings ticketbooth relies on.

    Raises:
        ConfigurationError: the URL does not parse or names an unknown driver.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"TICKETBOOTH_DATABASE_URL: cannot parse {url!r}") from exc
    kwargs: dict[str, Any] = {}
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            f"TICKETBOOTH_DATABASE_URL: unsupported driver {parsed.drivername!r} ({exc})"
        ) from exc
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _IdlePing(engine.dialect))
    return engine


PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled connection idle this long is pinged before use; a busier one is not.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip and ~100 µs of CPU
on every unit of work (a twentieth of a refresh, bench/refresh.py).  A connection that
went back to the pool less than a second ago was working then; one that has waited
longer (a quiet spell, a database restart or failover) is checked first, and a dead one
is replaced before the request sees it.  A connection that breaks within the second is
reported by the statement that finds it: the store answers 503, SQLAlchemy invalidates
the pool, and the next requests reconnect (tests/faults/test_database_cut.py).
"""


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info["ticketbooth_checked_in"] = time.monotonic()


class _IdlePing:
    """The pool's checkout hook: ping a connection that has been idle, replace a dead one."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect

    def __call__(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get("ticketbooth_checked_in")
        if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
            return  # new, or back in the pool a moment ago
        try:
            self.dialect.do_ping(dbapi_connection)
        except self.dialect.loaded_dbapi.Error as exc:
            if self.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError("a pooled connection was lost") from exc
            raise


def is_missing_sqlite_file(url: str) -> bool:
    """Whether ``url`` names a SQLite database that does not exist yet (or is in memory).

    Connecting would create it, so read-only commands (``token mint``, ``check``) ask first.

    Raises:
        ConfigurationError: the URL does not parse.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"TICKETBOOTH_DATABASE_URL: cannot parse {url!r}") from exc
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return database in ("", ":memory:") or not Path(database).exists()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Open one connection.

    Raises:
        StoreUnavailableError: the database cannot be reached, with the reason in one line.
    """
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        raise StoreUnavailableError(
            f"TICKETBOOTH_DATABASE_URL: cannot connect to the database: {reason}"
        ) from exc


def alembic_config(engine: Engine) -> Config:
    """The Alembic configuration for ticketbooth's own migrations."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to date (creating the database file if needed).

    Raises:
        StoreUnavailableError: the database cannot be reached.
    """
    check_connection(engine)
    command.upgrade(alembic_config(engine), "head")


@dataclass
class _Unit:
    """The transaction a ``with db.session():`` block opened, which nested blocks join."""

    engine: Engine
    session: Session
    failure: BaseException | None = None


_UNIT: ContextVar[_Unit | None] = ContextVar("ticketbooth_unit", default=None)


class Database:
    """An engine and its session factory; each repository call is one transaction.

    Repository calls made inside a ``with db.session():`` block (in the same thread or
    task) join its transaction instead of opening their own, so several of them commit
    together or not at all: the auth layer uses that to write a refresh-token rotation
    and its audit row as one unit.  A failure inside a joined call fails the whole unit,
    even when the caller caught it (as the auditor does).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        """Build from a SQLAlchemy URL (see :func:`make_engine`)."""
        return cls(make_engine(url, **kwargs))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction, committed on success and rolled back otherwise.

        Raises:
            StoreUnavailableError: the database connection failed.
        """
        unit = self._joined()
        if unit is not None:
            with _joining(unit) as session:
                yield session
            return
        try:
            with self._sessions.begin() as session:
                unit = _Unit(self.engine, session)
                token = _UNIT.set(unit)
                try:
                    yield session
                    if unit.failure is not None:  # a joined call failed: roll back
                        raise unit.failure
                finally:
                    _UNIT.reset(token)
        except (SQLAlchemyError, ConnectionError) as exc:
            if _is_connection_error(exc):
                raise StoreUnavailableError() from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for one read, outside any transaction: no BEGIN and no COMMIT.

        On PostgreSQL that is two round trips fewer per lookup (bench/refresh.py).  The
        statement sees what was committed when it started, as it would alone in a
        transaction; use :meth:`session` for anything that writes, or for several
        reads that must agree.

        Inside a unit of work (a ``with db.session():`` block) the read joins it, so it
        sees the unit's own writes and takes no second connection.

        Raises:
            StoreUnavailableError: the database connection failed.
        """
        unit = self._joined()
        if unit is not None:
            with _joining(unit) as session:
                yield session
            return
        try:
            with self._readers() as session:
                yield session
        except (SQLAlchemyError, ConnectionError) as exc:
            if _is_connection_error(exc):
                raise StoreUnavailableError() from exc
            raise

    def _joined(self) -> _Unit | None:
        """The unit of work open on this engine in this thread or task, if any."""
        unit = _UNIT.get()
        return unit if unit is not None and unit.engine is self.engine else None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@contextmanager
def _joining(unit: _Unit) -> Iterator[Session]:
    """The unit's session; a failure here fails the whole unit, even if the caller catches it."""
    try:
        yield unit.session
    except BaseException as exc:
        unit.failure = unit.failure or exc
        raise


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | OperationalError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def affected(result: Result[Any]) -> int:
    """Rows changed by an UPDATE or DELETE."""
    return int(cast("CursorResult[Any]", result).rowcount)
