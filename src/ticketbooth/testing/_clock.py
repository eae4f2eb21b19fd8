"""A clock that moves only when a test says so."""

from __future__ import annotations

from datetime import UTC, datetime

DEFAULT_START = 1_800_000_000.0
"""2027-01-15T08:00:00Z: a fixed instant, so every run sees the same times."""


class FrozenClock:
    """Seconds since the epoch, standing still until :meth:`advance` moves them.

    Pass :meth:`now` wherever ticketbooth takes ``now=`` (the issuer, the validator, the
    refresh logic, the keyring); one clock shared by all of them lets a test expire a
    token or a refresh token, or age a signing key, without sleeping.

    Args:
        start: the initial time (seconds since the epoch).
    """

    def __init__(self, start: float = DEFAULT_START) -> None:
        self._now = float(start)

    def __repr__(self) -> str:
        return f"<FrozenClock {self.datetime().strftime('%Y-%m-%dT%H:%M:%SZ')}>"

    def now(self) -> float:
        """The current time, as ``time.time()`` would give it."""
        return self._now

    def datetime(self) -> datetime:
        """The current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self._now, UTC)

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, days: float = 0.0) -> float:
        """Move forward (or, with a negative amount, back); returns the new time."""
        self._now += seconds + minutes * 60 + days * 86400
        return self._now
