"""Repositories over a migrated database, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.databases import database_url, db, engine_name, migrated_database
from ticketbooth.store.db import Database
from ticketbooth.store.keys import SqlKeyRepository
from ticketbooth.store.products import SqlProductRepository
from ticketbooth.store.records import RefreshTokenRecord, UserRecord
from ticketbooth.store.refresh_tokens import SqlRefreshTokenRepository
from ticketbooth.store.users import SqlUserRepository

__all__ = ["database_url", "db", "engine_name", "migrated_database"]

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

TokenFactory = Callable[..., RefreshTokenRecord]


@pytest.fixture
def users(db: Database) -> SqlUserRepository:
    return SqlUserRepository(db)


@pytest.fixture
def refresh_tokens(db: Database) -> SqlRefreshTokenRepository:
    return SqlRefreshTokenRepository(db)


@pytest.fixture
def products(db: Database) -> SqlProductRepository:
    return SqlProductRepository(db)


@pytest.fixture
def keys(db: Database) -> SqlKeyRepository:
    return SqlKeyRepository(db)


@pytest.fixture
def user_factory(users: SqlUserRepository) -> Callable[..., UserRecord]:
    """Add a user; every argument has a default."""
    counter = iter(range(1, 1_000_000))

    def factory(username: str | None = None, **kwargs: object) -> UserRecord:
        fields: dict[str, object] = {
            "username": username or f"user{next(counter)}",
            "password_hash": "$argon2id$not-a-real-hash",
            "role": "User",
            "email": None,
        }
        fields.update(kwargs)
        return users.add(**fields)  # type: ignore[arg-type]

    return factory


@pytest.fixture
def user(user_factory: Callable[..., UserRecord]) -> UserRecord:
    return user_factory("alice", email="alice@example.com")


def new_token(
    user_id: int,
    *,
    family_id: str | None = None,
    parent_id: str | None = None,
    issued_at: datetime = NOW,
    lifetime: timedelta = timedelta(days=7),
) -> RefreshTokenRecord:
    """A refresh-token record that is not stored yet."""
    return RefreshTokenRecord(
        id=str(uuid.uuid4()),
        user_id=user_id,
        family_id=family_id or str(uuid.uuid4()),
        parent_id=parent_id,
        token_hash=secrets.token_hex(32),
        issued_at=issued_at,
        expires_at=issued_at + lifetime,
    )


@pytest.fixture
def token_factory(refresh_tokens: SqlRefreshTokenRepository) -> TokenFactory:
    """Store a refresh token (see :func:`new_token` for the arguments)."""

    def factory(user_id: int, **kwargs: object) -> RefreshTokenRecord:
        record = new_token(user_id, **kwargs)  # type: ignore[arg-type]
        refresh_tokens.add(record)
        return record

    return factory
