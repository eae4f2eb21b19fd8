"""The console's view of the audit trail: filtered pages, the chain's state, sign-ins
per hour."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ...errors import BadRequestError
from ...store.admin_records import CHAIN_START, AuditFilter, AuditQuery, AuditRow, LoginCount
from ...store.records import UserRepository
from ._common import Page, Paging

OUTCOMES = ("success", "failure")
EVENT_NAME = re.compile(r"[a-z_]{1,32}")
CHART_DAYS = 7


class ChainBreak(Protocol):
    """Where the hash chain first fails (``store.audit.ChainBreak``)."""

    @property
    def row_id(self) -> int: ...

    @property
    def reason(self) -> str: ...


class Chain(Protocol):
    """The hash-chained audit log (``store.audit.SqlAuditLog``)."""

    def verify_after(
        self, last_id: int, last_hash: str
    ) -> tuple[int, ChainBreak | None, tuple[int, str]]: ...


@dataclass(frozen=True, slots=True)
class ChainStatus:
    """The outcome of walking the chain: rows checked, and the first break if any.

    ``checked`` counts the rows this process has walked since its last whole walk.
    """

    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def is_intact(self) -> bool:
        """No row was edited, deleted or inserted."""
        return self.broken_at is None


class AuditConsole:
    """Reads the audit trail for an administrator.

    Args:
        query: the paged, filtered reads and the hourly counts.
        chain: the hash chain, for verification.
        users: to find the id of a username filtered by.
        now: the clock.
    """

    def __init__(
        self,
        *,
        query: AuditQuery,
        chain: Chain,
        users: UserRepository,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._query = query
        self._chain = chain
        self._users = users
        self._now = now
        self._lock = threading.Lock()
        self._walked: ChainStatus | None = None  # the last walk's outcome
        self._resume = CHAIN_START  # where the next walk of new rows starts

    def page(
        self,
        paging: Paging,
        *,
        user: str | None = None,
        event: str | None = None,
        outcome: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[AuditRow]:
        """Events newest first, of one user (by name: rows naming them or their id), one
        event, one outcome, and in [since, until) — each only when given.

        Raises:
            BadRequestError: an unknown outcome, an event name that cannot exist, or
                ``since`` not before ``until``.
        """
        if outcome is not None and outcome not in OUTCOMES:
            raise BadRequestError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if event is not None and not EVENT_NAME.fullmatch(event):
            raise BadRequestError("event must be an event name (lower-case letters and _)")
        since, until = _utc(since), _utc(until)
        if since is not None and until is not None and since >= until:
            raise BadRequestError("since must be earlier than until")
        user_id = None
        if user:
            found = self._users.get_by_username(user)
            user_id = found.id if found is not None else None
        where = AuditFilter(
            user_id=user_id,
            username=user or None,
            event=event,
            outcome=outcome,
            since=since,
            until=until,
        )
        total, rows = self._query.page(where, offset=paging.offset, limit=paging.size)
        return Page(rows, paging, total)

    def verify(self) -> ChainStatus:
        """Walk the whole chain (every row is read: seconds for a million rows)."""
        return self._walk(CHAIN_START, 0)

    def latest(self) -> ChainStatus:
        """Walk the rows appended since the last walk, linked from where it ended.

        The first call walks the whole chain; a break, once found, is reported until a
        whole walk (:meth:`verify`) finds none.  Cheap enough for a status strip, but it
        cannot see an edit to rows an earlier walk already checked: only a whole walk can.
        """
        with self._lock:
            walked, resume = self._walked, self._resume
        if walked is not None and not walked.is_intact:
            return walked
        return self._walk(resume, walked.checked if walked is not None else 0)

    def _walk(self, start: tuple[int, str], checked_before: int) -> ChainStatus:
        checked, broken, resume = self._chain.verify_after(*start)
        if broken is None:
            status = ChainStatus(checked_before + checked)
        else:
            status = ChainStatus(checked_before + checked, broken.row_id, broken.reason)
        with self._lock:
            self._walked, self._resume = status, resume
        return status

    def logins(self, days: int = CHART_DAYS) -> list[LoginCount]:
        """Sign-ins per hour over the last ``days`` days, every hour present, oldest
        first; the last one is the current hour."""
        end = datetime.fromtimestamp(self._now(), UTC).replace(minute=0, second=0, microsecond=0)
        end += timedelta(hours=1)
        start = end - timedelta(days=days)
        counted = {c.hour: c for c in self._query.logins_per_hour(start, end)}
        hours = (start + timedelta(hours=n) for n in range(days * 24))
        return [counted.get(hour, LoginCount(hour)) for hour in hours]


def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC; a time without a zone is taken as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
