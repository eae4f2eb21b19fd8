"""Migration 0006: normalized usernames and addresses, and its refusal to merge accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text

from ticketbooth.errors import ConfigurationError
from ticketbooth.store.db import Database, alembic_config, make_engine
from ticketbooth.store.users import SqlUserRepository

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0005")
    yield engine
    engine.dispose()


def add(engine: Engine, user_id: int, name: str, email: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, username, email, password_hash, role, is_disabled,"
                " created_at, updated_at) VALUES (:i, :n, :e, 'x', 'User', false, :t, :t)"
            ),
            {"i": user_id, "n": name, "e": email, "t": NOW},
        )


def test_existing_users_are_normalized_and_confirmed(engine: Engine) -> None:
    add(engine, 1, "Zoe", "Zoe@Example.com")
    add(engine, 2, "ann", None)
    command.upgrade(alembic_config(engine), "head")
    users = SqlUserRepository(Database(engine))
    zoe = users.get_by_username("ZOE")
    assert zoe is not None and zoe.id == 1 and zoe.is_email_verified
    assert users.get_by_email("zoe@example.COM") == zoe
    ann = users.get_by_username("ANN")
    assert ann is not None and not ann.is_email_verified


def test_accounts_that_differ_only_in_case_stop_the_migration(engine: Engine) -> None:
    add(engine, 1, "zoe", "zoe@example.com")
    add(engine, 2, "ZOE", "other@example.com")
    add(engine, 3, "ann", "Shared@example.com")
    add(engine, 4, "bob", "shared@EXAMPLE.com")
    with pytest.raises(ConfigurationError) as info:
        command.upgrade(alembic_config(engine), "head")
    assert info.value.message == (
        "migration 0006 stopped: these accounts differ only in case and would become one: "
        "ZOE and zoe; Shared@example.com (ann) and shared@EXAMPLE.com (bob). "
        "Rename or delete one of each (ticketbooth users ...) and run it again."
    )
    with engine.connect() as connection:  # nothing changed, nothing merged
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 4
