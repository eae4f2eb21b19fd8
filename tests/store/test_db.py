"""Engines, connection failures and datetimes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.store.conftest import new_token
from ticketbooth.store.db import (
    Database,
    StoreUnavailableError,
    check_connection,
    make_engine,
    migrate,
)
from ticketbooth.store.keys import SqlKeyRepository
from ticketbooth.store.models import Product
from ticketbooth.store.records import KeyRecord
from ticketbooth.store.refresh_tokens import SqlRefreshTokenRepository
from ticketbooth.store.users import SqlUserRepository
from ticketbooth.tokens.errors import ConfigurationError

PLUS_FIVE = timezone(timedelta(hours=5))


def test_datetimes_come_back_timezone_aware_utc(db: Database) -> None:
    user = SqlUserRepository(db).add(username="alice", password_hash="h", role="User", email=None)
    issued = datetime(2030, 6, 1, 17, 30, 15, 250_000, tzinfo=PLUS_FIVE)
    record = new_token(user.id, issued_at=issued)
    tokens = SqlRefreshTokenRepository(db)
    tokens.add(record)
    keys = SqlKeyRepository(db)
    keys.add(
        KeyRecord(
            kid="k1",
            alg="HS256",
            state="retiring",
            material=b"x" * 32,
            created_at=issued,
            activated_at=issued,
            retire_after=issued + timedelta(hours=1),
            retired_at=None,
        )
    )

    found = tokens.find_by_hash(record.token_hash)
    assert found is not None
    (key,) = keys.list()
    stored_user = SqlUserRepository(db).get(user.id)
    assert stored_user is not None
    values = [
        stored_user.created_at,
        found.issued_at,
        found.expires_at,
        key.created_at,
        key.activated_at,
        key.retire_after,
    ]
    for value in values:
        assert value is not None
        assert value.tzinfo is UTC
    assert found.issued_at == issued
    assert found.issued_at.hour == 12  # 17:30 at +05:00 is 12:30 UTC
    assert key.retire_after == issued + timedelta(hours=1)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/nothing", id="postgresql"),
        pytest.param("sqlite:////nonexistent-directory/sub/ticketbooth.db", id="sqlite"),
    ],
)
def test_unreachable_database(url: str) -> None:
    engine = make_engine(url)
    try:
        with pytest.raises(StoreUnavailableError) as info:
            check_connection(engine)
        message = info.value.message
        assert message.startswith("TICKETBOOTH_DATABASE_URL: cannot connect to the database: ")
        assert "\n" not in message
        with pytest.raises(StoreUnavailableError):
            migrate(engine)
        with pytest.raises(StoreUnavailableError) as info:
            SqlUserRepository(Database(engine)).get(1)
        assert info.value.message == StoreUnavailableError.description
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "cannot parse"),
        ("", "cannot parse"),
        ("nosuchdatabase://host/db", "unsupported driver 'nosuchdatabase'"),
        ("postgresql+nosuchdriver://host/db", "unsupported driver 'postgresql+nosuchdriver'"),
    ],
)
def test_bad_url_is_a_configuration_error(url: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        make_engine(url)
    assert type(info.value) is ConfigurationError
    assert info.value.message.startswith("TICKETBOOTH_DATABASE_URL: ")
    assert expected in info.value.message
    assert "\n" not in info.value.message


def test_sqlite_database_file_is_created(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
    finally:
        engine.dispose()
    assert path.is_file()


def _in_autocommit(dbapi_connection: object) -> bool:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        return getattr(dbapi_connection, "isolation_level", "") is None
    return bool(getattr(dbapi_connection, "autocommit", False))


def test_reads_open_no_transaction_and_writes_still_do(db: Database) -> None:
    with db.read() as session:
        assert _in_autocommit(session.connection().connection.dbapi_connection)
        assert session.scalar(select(func.count()).select_from(Product)) == 0

    # The pooled connection the read used is transactional again for the next writer.
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon):
        with db.session() as session:
            assert not _in_autocommit(session.connection().connection.dbapi_connection)
            session.add(Product(name="tea", price=1.5))
            session.flush()
            raise Abandon
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0


def _count_pings(db: Database, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    real = db.engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counting)
    return pings


def test_a_connection_back_in_the_pool_a_moment_ago_is_not_pinged(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(db, monkeypatch)
    for _ in range(5):
        with db.session() as session:
            session.execute(select(func.count()).select_from(Product))
    assert pings == []


def test_an_idle_connection_is_pinged_before_use(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ticketbooth.store.db as store_db

    with db.session() as session:
        session.execute(select(1))
    pings = _count_pings(db, monkeypatch)
    monkeypatch.setattr(store_db, "PING_AFTER_IDLE_SECONDS", 0.0)
    with db.session() as session:
        session.execute(select(1))
    assert pings == [1]


@contextmanager
def _pool_of_one_whose_connection_died() -> Iterator[tuple[Database, int]]:
    """A PostgreSQL database whose one pooled connection the server has terminated."""
    from tests.databases import postgres_database

    with postgres_database() as url:
        db = Database.from_url(url, pool_size=1, max_overflow=0)
        try:
            with db.session() as session:
                pid = session.execute(select(func.pg_backend_pid())).scalar_one()
            other = Database.from_url(url)
            try:
                with other.session() as session:
                    session.execute(select(func.pg_terminate_backend(pid)))
            finally:
                other.dispose()
            yield db, pid
        finally:
            db.dispose()


@pytest.mark.postgres
def test_an_idle_connection_the_server_closed_is_replaced_unseen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ticketbooth.store.db as store_db

    with _pool_of_one_whose_connection_died() as (db, pid):
        monkeypatch.setattr(store_db, "PING_AFTER_IDLE_SECONDS", 0.0)
        with db.session() as session:  # the ping finds it dead; the pool reconnects
            assert session.execute(select(func.pg_backend_pid())).scalar_one() != pid


@pytest.mark.postgres
def test_a_connection_lost_within_the_second_is_a_503_once_then_replaced() -> None:
    with _pool_of_one_whose_connection_died() as (db, pid):
        with pytest.raises(StoreUnavailableError), db.session() as session:
            session.execute(select(1))
        with db.session() as session:
            assert session.execute(select(func.pg_backend_pid())).scalar_one() != pid
