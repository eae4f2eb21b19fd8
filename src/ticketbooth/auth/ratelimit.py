"""Failed-login limits per username and per client address (the ``limits`` package).

Moving windows, in process by default or in Redis when several instances must share
them.  Only failures count; once a key is over its limit every attempt for it is
refused, the right password included, until the window has moved on.

When Redis does not answer, logins go on: each instance counts in its own memory (so
an attacker spreading guesses over N instances gets N times the limit), logs one warning
per outage, and tries Redis again every :data:`REDIS_RETRY_SECONDS`.  Counts made
during the outage stay in that instance's memory; they are not copied to Redis.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import ConfigurationError, RateLimitedError
from .audit import Auditor, RequestContext

log = logging.getLogger("ticketbooth.auth")

REDIS_RETRY_SECONDS = 5.0
"""While Redis is down, how long to count in memory before trying it again."""
REDIS_TIMEOUT_SECONDS = 1.0
"""Connect and read timeout towards Redis: a hung Redis costs a login at most this."""

T = TypeVar("T")


class LoginLimiter:
    """Counts failed logins and refuses attempts past the limit.

    Args:
        storage_uri: ``memory://`` or a ``redis://`` URL.
        user_failures: failures per username within the window.
        address_failures: failures per client address within the window.
        window_seconds: the length of the moving window.
        is_enabled: False turns every check into a no-op (``TICKETBOOTH_RATE_LIMITS=false``),
            which leaves online password guessing unthrottled; ``ticketbooth check``
            reports it.
        namespace: prefixes the keys (the issuer), so deployments sharing a Redis
            server do not share counts.
        now: the clock that spaces retries of an unreachable Redis.
    """

    def __init__(
        self,
        *,
        storage_uri: str = "memory://",
        user_failures: int = 10,
        address_failures: int = 100,
        window_seconds: int = 900,
        is_enabled: bool = True,
        namespace: str = "",
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.is_enabled = is_enabled
        options: dict[str, float] = {}
        if not storage_uri.startswith("memory:"):
            options = {
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
            }
        try:
            storage = storage_from_string(storage_uri, wrap_exceptions=True, **options)
        except Exception as exc:  # limits raises ConfigurationError/ValueError/ImportError
            raise ConfigurationError(f"TICKETBOOTH_REDIS_URL: {exc}") from exc
        self._limiter = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._now = now
        self._lock = threading.Lock()
        self._shared_down_until: float | None = None  # None: the shared store is in use
        self._user = RateLimitItemPerSecond(
            user_failures, window_seconds, namespace=f"tb-user:{namespace}"
        )
        self._address = RateLimitItemPerSecond(
            address_failures, window_seconds, namespace=f"tb-addr:{namespace}"
        )

    def check(self, username: str, address: str) -> None:
        """Refuse when either key is over its limit.

        Raises:
            RateLimitedError: with ``retry_after`` seconds until the oldest failure expires.
        """
        if not self.is_enabled:
            return
        for item, key in ((self._user, username.lower()), (self._address, address)):
            reset = self._call(functools.partial(_blocked_until, item=item, key=key))
            if reset is not None:
                raise RateLimitedError(int(reset - time.time()) + 1)

    def record_failure(self, username: str, address: str) -> None:
        """Count one failed attempt against both keys."""
        if not self.is_enabled:
            return
        self._call(lambda lim: lim.hit(self._user, username.lower()))
        self._call(lambda lim: lim.hit(self._address, address))

    @property
    def is_shared(self) -> bool:
        """Whether counts currently go to the configured store (False during an outage)."""
        return self._shared_down_until is None

    def reset(self) -> None:
        """Forget every count (tests and ``users`` administration)."""
        self._local.storage.reset()
        self._call(lambda lim: lim.storage.reset())

    def _call(self, operation: Callable[[MovingWindowRateLimiter], T]) -> T:
        """Run ``operation`` on the shared store, or in memory while it is unreachable."""
        with self._lock:
            down_until = self._shared_down_until
        if down_until is not None and self._now() < down_until:
            return operation(self._local)
        try:
            result = operation(self._limiter)
        except StorageError as exc:
            with self._lock:
                was_up = self._shared_down_until is None
                self._shared_down_until = self._now() + REDIS_RETRY_SECONDS
            if was_up:
                log.warning(
                    "rate-limit store unreachable (%s); counting failed logins per "
                    "instance until it returns",
                    type(exc.storage_error).__name__,
                )
            return operation(self._local)
        if down_until is not None:
            with self._lock:
                self._shared_down_until = None
            log.warning("rate-limit store reachable again; failed-login limits are shared")
        return result


def check_audited(
    limiter: LoginLimiter,
    key: str,
    *,
    auditor: Auditor,
    context: RequestContext,
    event: str = "rate_limited",
) -> None:
    """:meth:`LoginLimiter.check` for ``key`` and the request's address, recording an
    ``event`` audit event (``username`` = ``key``) when it refuses: ``rate_limited`` for a
    person's sign-in, ``client_rate_limited`` for an OAuth client's authentication.

    Raises:
        RateLimitedError: too many recent failures for the key or the address.
    """
    try:
        limiter.check(key, context.address or "unknown")
    except RateLimitedError as exc:
        auditor.record(event, "failure", username=key, context=context, retry_after=exc.retry_after)
        raise


def _blocked_until(
    limiter: MovingWindowRateLimiter, *, item: RateLimitItemPerSecond, key: str
) -> float | None:
    """When ``key`` may try again, or None when it is under its limit."""
    if limiter.test(item, key):
        return None
    return float(limiter.get_window_stats(item, key).reset_time)
