"""Failed-login limits per username and per client address (the ``limits`` package).

Moving windows, in process by default or in Redis when several instances must share
them.  Only failures count; once a key is over its limit every attempt for it is
refused, the right password included, until the window has moved on.
"""

from __future__ import annotations

import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import ConfigurationError, RateLimitedError, TooManyRequestsError
from ..store.records import normalize


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
    ) -> None:
        self.is_enabled = is_enabled
        try:
            storage = storage_from_string(storage_uri)
        except Exception as exc:  # limits raises ConfigurationError/ValueError/ImportError
            raise ConfigurationError(f"TICKETBOOTH_REDIS_URL: {exc}") from exc
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
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
            if not self._limiter.test(item, key):
                reset = self._limiter.get_window_stats(item, key).reset_time
                raise RateLimitedError(int(reset - time.time()) + 1)

    def record_failure(self, username: str, address: str) -> None:
        """Count one failed attempt against both keys."""
        if not self.is_enabled:
            return
        self._limiter.hit(self._user, username.lower())
        self._limiter.hit(self._address, address)

    def reset(self) -> None:
        """Forget every count (tests and ``users`` administration)."""
        self._storage.reset()


class RequestLimiter:
    """Counts every request of one kind (not only failures) per email address and per
    client address: register, forgot-password and resend-verification send mail, so
    each one counts.

    Args:
        kind: names the counters (``register``, ``forgot``, ``resend``).
        storage_uri, is_enabled, namespace: as for :class:`LoginLimiter`.
        email_requests: requests per email address within the window.
        address_requests: requests per client address within the window.
        window_seconds: the length of the moving window.
    """

    def __init__(
        self,
        kind: str,
        *,
        storage_uri: str = "memory://",
        email_requests: int = 5,
        address_requests: int = 50,
        window_seconds: int = 3600,
        is_enabled: bool = True,
        namespace: str = "",
    ) -> None:
        self.is_enabled = is_enabled
        try:
            storage = storage_from_string(storage_uri)
        except Exception as exc:  # limits raises ConfigurationError/ValueError/ImportError
            raise ConfigurationError(f"TICKETBOOTH_REDIS_URL: {exc}") from exc
        self._limiter = MovingWindowRateLimiter(storage)
        self._email = RateLimitItemPerSecond(
            email_requests, window_seconds, namespace=f"tb-{kind}-email:{namespace}"
        )
        self._address = RateLimitItemPerSecond(
            address_requests, window_seconds, namespace=f"tb-{kind}-addr:{namespace}"
        )

    def hit(self, email: str, address: str) -> None:
        """Count one request against both keys.

        Raises:
            TooManyRequestsError: either key is over its limit (this request is not counted).
        """
        if not self.is_enabled:
            return
        for item, key in ((self._email, normalize(email)), (self._address, address)):
            if not self._limiter.test(item, key):
                reset = self._limiter.get_window_stats(item, key).reset_time
                raise TooManyRequestsError(int(reset - time.time()) + 1)
        self._limiter.hit(self._email, normalize(email))
        self._limiter.hit(self._address, address)
