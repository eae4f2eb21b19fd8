"""The auth flows over real repositories on SQLite and PostgreSQL, with a movable clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import argon2
import pytest

from tests.databases import database_url, db, engine_name, migrated_database
from ticketbooth.auth.keyring import Keyring
from ticketbooth.auth.passwords import PasswordHasher
from ticketbooth.auth.ratelimit import LoginLimiter
from ticketbooth.auth.service import AuthService
from ticketbooth.auth.users import UserAdmin
from ticketbooth.store.db import Database
from ticketbooth.store.keys import SqlKeyRepository
from ticketbooth.store.records import UserRecord
from ticketbooth.store.refresh_tokens import SqlRefreshTokenRepository
from ticketbooth.store.users import SqlUserRepository
from ticketbooth.tokens.claims import ValidationParameters
from ticketbooth.tokens.issuer import TokenIssuer
from ticketbooth.tokens.validator import TokenValidator

__all__ = ["database_url", "db", "engine_name", "migrated_database"]

ACCESS_LIFETIME = 600.0
REFRESH_LIFETIME = 7 * 86400.0
ISSUER = "ticketbooth"
AUDIENCE = "ticketbooth-api"
PASSWORD = "correct horse battery staple"


class FakeClock:
    """Seconds since the epoch that move only when told to."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds


def fast_hasher() -> PasswordHasher:
    """argon2id at its cheapest: a login costs about a millisecond, not 100."""
    return PasswordHasher(
        argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=argon2.Type.ID)
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limits_clock(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> FakeClock:
    """Make the ``limits`` in-memory storage (and LoginLimiter) read the fake clock.

    ``LoginLimiter`` takes no clock: ``limits`` calls ``time.time()`` itself.  Swapping
    the ``time`` module those two modules see (and only those) moves the window
    without sleeping.
    """
    fake_time = SimpleNamespace(time=clock.now, monotonic=time.monotonic)
    monkeypatch.setattr("limits.storage.memory.time", fake_time)
    monkeypatch.setattr("ticketbooth.auth.ratelimit.time", fake_time)
    return clock


@dataclass
class World:
    """Every auth part, wired as ``ticketbooth.assembly.build`` wires them."""

    clock: FakeClock
    db: Database
    users: SqlUserRepository
    refresh_tokens: SqlRefreshTokenRepository
    keyring: Keyring
    issuer: TokenIssuer
    validator: TokenValidator
    hasher: PasswordHasher
    limiter: LoginLimiter
    auth: AuthService
    admin: UserAdmin

    def add_user(
        self, username: str = "john", password: str = PASSWORD, role: str = "User"
    ) -> UserRecord:
        return self.admin.add(username, password, role=role, email=f"{username}@example.com")


WorldFactory = Callable[..., World]


@pytest.fixture
def world_factory(db: Database, clock: FakeClock) -> WorldFactory:
    """Build the auth parts over ``db``; keyword arguments replace the defaults."""

    def factory(
        *,
        hasher: PasswordHasher | None = None,
        limiter: LoginLimiter | None = None,
        algorithm: str = "HS256",
    ) -> World:
        hasher = hasher or fast_hasher()
        limiter = limiter or LoginLimiter()
        users = SqlUserRepository(db)
        refresh = SqlRefreshTokenRepository(db)
        keyring = Keyring(
            SqlKeyRepository(db),
            algorithm=algorithm,
            token_lifetime=ACCESS_LIFETIME,
            now=clock.now,
        )
        keyring.ensure_active()
        keys = keyring.load()
        issuer = TokenIssuer(
            keys, issuer=ISSUER, audience=AUDIENCE, lifetime=ACCESS_LIFETIME, now=clock.now
        )
        validator = TokenValidator(
            keys, ValidationParameters(issuer=ISSUER, audience=AUDIENCE), now=clock.now
        )
        return World(
            clock=clock,
            db=db,
            users=users,
            refresh_tokens=refresh,
            keyring=keyring,
            issuer=issuer,
            validator=validator,
            hasher=hasher,
            limiter=limiter,
            auth=AuthService(
                users=users,
                refresh_tokens=refresh,
                issuer=issuer,
                hasher=hasher,
                limiter=limiter,
                refresh_lifetime=REFRESH_LIFETIME,
                now=clock.now,
            ),
            admin=UserAdmin(users=users, refresh_tokens=refresh, hasher=hasher, now=clock.now),
        )

    return factory


@pytest.fixture
def world(world_factory: WorldFactory) -> World:
    return world_factory()
