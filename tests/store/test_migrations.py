"""Alembic migrations on an empty database of every engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from ticketbooth.store.db import Database, alembic_config, make_engine, migrate
from ticketbooth.store.models import Base
from ticketbooth.store.products import SqlProductRepository

TABLES = set(Base.metadata.tables)  # what the models expect; migrations must agree


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_upgrade_on_an_empty_database_creates_every_table(engine: Engine) -> None:
    assert tables(engine) == set()
    assert {"users", "refresh_tokens", "products", "signing_keys"} <= TABLES
    migrate(engine)
    assert tables(engine) == TABLES | {"alembic_version"}
    assert revision(engine) == head(engine) is not None
    indexes = {i["name"] for i in inspect(engine).get_indexes("refresh_tokens")}
    assert {"ix_refresh_tokens_family_id", "ix_refresh_tokens_user_id"} <= indexes


def test_migrating_twice_is_a_no_op(engine: Engine) -> None:
    migrate(engine)
    product = SqlProductRepository(Database(engine)).add("Laptop", 1.5)
    migrate(engine)
    assert revision(engine) == head(engine)
    assert SqlProductRepository(Database(engine)).list() == [product]


def test_downgrade_to_base_and_upgrade_again(engine: Engine) -> None:
    migrate(engine)
    command.downgrade(alembic_config(engine), "base")
    assert tables(engine) == {"alembic_version"}
    assert revision(engine) is None
    migrate(engine)
    assert tables(engine) == TABLES | {"alembic_version"}
    assert revision(engine) == head(engine)
