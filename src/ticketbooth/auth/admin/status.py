"""The console's status strip: database, Redis, the signing key's age, the audit chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ...errors import TicketboothError
from .audit import AuditConsole, ChainStatus
from .keys import KeyConsole


@dataclass(frozen=True, slots=True)
class Status:
    """What the strip shows.

    Attributes:
        database: ``ok`` or ``unavailable``.
        redis: ``ok``, ``unavailable``, or ``off`` (no ``TICKETBOOTH_REDIS_URL``).
        signing_kid: the key signing now.
        key_source: ``database`` or ``environment`` (``TICKETBOOTH_SECRET_KEY``).
        key_activated_at: when the signing key began to sign (None for the environment's).
        key_age_seconds: how long it has signed, None when unknown.
        chain: the audit chain's verification, of the rows appended since the last walk
            (:meth:`~.audit.AuditConsole.latest`).
    """

    database: str
    redis: str
    signing_kid: str
    key_source: str
    key_activated_at: datetime | None
    key_age_seconds: int | None
    chain: ChainStatus


class StatusProbe:
    """Asks each part how it is.

    Args:
        check_database: raises a :class:`TicketboothError` when the database is down.
        check_redis: whether Redis answers; None when no Redis is configured.
        keys: the key console (which key signs, since when).
        audit: the audit console (chain verification).
        now: the clock.
    """

    def __init__(
        self,
        *,
        check_database: Callable[[], None],
        check_redis: Callable[[], bool] | None,
        keys: KeyConsole,
        audit: AuditConsole,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._check_database = check_database
        self._check_redis = check_redis
        self._keys = keys
        self._audit = audit
        self._now = now

    def status(self) -> Status:
        """Each part's state now (the database ones read as ``unavailable`` when down)."""
        try:
            self._check_database()
        except TicketboothError:
            return Status("unavailable", self._redis(), "", "database", None, None, ChainStatus(0))
        listing = self._keys.list()
        signing = [k for k in listing.keys if k.state == "active"]
        newest = max(signing, key=lambda k: k.activated_at or k.created_at, default=None)
        started = None if newest is None else newest.activated_at or newest.created_at
        age = None if started is None else int(self._now() - started.timestamp())
        return Status(
            database="ok",
            redis=self._redis(),
            signing_kid=listing.env_kid or (newest.kid if newest else ""),
            key_source="environment" if listing.env_kid else "database",
            key_activated_at=None if listing.env_kid else started,
            key_age_seconds=None if listing.env_kid else age,
            chain=self._audit.latest(),
        )

    def _redis(self) -> str:
        if self._check_redis is None:
            return "off"
        return "ok" if self._check_redis() else "unavailable"
