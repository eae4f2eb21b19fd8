"""Limits on requests that send mail (register, forgot-password, resend-verification),
and on the unauthenticated requests that store something (passkey sign-in options).

Unlike the failed-login limits (:mod:`.ratelimit`) every request counts, per email
address and per client address, or per client address alone, in memory or in Redis.
A Redis outage lets requests through (logged) rather than failing them: these limits
slow abuse, they guard no secret.
"""

from __future__ import annotations

import logging
import time

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import ConfigurationError, TooManyRequestsError
from ..store.records import normalize

log = logging.getLogger("ticketbooth.auth")


class RequestLimiter:
    """Counts every request of one kind per email address and per client address.

    Args:
        kind: names the counters (``register``, ``forgot``, ``resend``,
            ``passkey-options``).
        storage_uri: ``memory://`` or a ``redis://`` URL.
        email_requests: requests per email address within the window.
        address_requests: requests per client address within the window.
        window_seconds: the length of the moving window.
        is_enabled: False turns every check into a no-op.
        namespace: prefixes the keys (the issuer).
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
            options = {} if storage_uri.startswith("memory:") else {"wrap_exceptions": True}
            storage = storage_from_string(storage_uri, **options)
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
        self._hit(((self._email, normalize(email)), (self._address, address)))

    def hit_address(self, address: str) -> None:
        """Count one request against the client address alone (no email is involved).

        Raises:
            TooManyRequestsError: the address is over its limit (this request is not counted).
        """
        if not self.is_enabled:
            return
        self._hit(((self._address, address),))

    def _hit(self, keys: tuple[tuple[RateLimitItemPerSecond, str], ...]) -> None:
        try:
            for item, key in keys:
                if not self._limiter.test(item, key):
                    reset = self._limiter.get_window_stats(item, key).reset_time
                    raise TooManyRequestsError(int(reset - time.time()) + 1)
            for item, key in keys:
                self._limiter.hit(item, key)
        except StorageError as exc:
            log.warning("request limits unavailable, letting the request through: %s", exc)
