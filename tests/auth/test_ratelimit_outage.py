"""The failed-login limiter when its Redis is unreachable: per-instance counts, one warning.

The Redis here is a port nothing listens on, so every call is refused at once; the
fault test in ``tests/faults`` stops and restarts a real Redis under two real servers.
"""

from __future__ import annotations

import logging
import socket

import pytest

from ticketbooth.auth.ratelimit import REDIS_RETRY_SECONDS, LoginLimiter
from ticketbooth.tokens.errors import RateLimitedError


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable() -> str:
    return f"redis://127.0.0.1:{_closed_port()}/0"


def test_failures_are_counted_in_memory_while_redis_is_down(
    unreachable: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    limiter = LoginLimiter(storage_uri=unreachable, user_failures=2, now=clock)
    with caplog.at_level(logging.WARNING, logger="ticketbooth.auth"):
        limiter.check("john", "10.0.0.1")
        limiter.record_failure("john", "10.0.0.1")
        limiter.record_failure("John", "10.0.0.1")
        with pytest.raises(RateLimitedError) as refused:
            limiter.check("john", "10.0.0.2")
    assert refused.value.retry_after >= 1
    assert limiter.is_shared is False
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith("rate-limit store unreachable (")
    assert "per instance" in warnings[0]
    limiter.check("mary", "10.0.0.3")  # other usernames still log in


def test_redis_is_tried_again_after_the_retry_interval_and_warned_about_once(
    unreachable: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    limiter = LoginLimiter(storage_uri=unreachable, user_failures=5, now=clock)
    with caplog.at_level(logging.WARNING, logger="ticketbooth.auth"):
        limiter.record_failure("john", "10.0.0.1")
        clock.t += REDIS_RETRY_SECONDS + 1  # tried again, still down: no second warning
        limiter.record_failure("john", "10.0.0.1")
    assert limiter.is_shared is False
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 1


def test_in_memory_limiter_is_shared_and_never_warns(caplog: pytest.LogCaptureFixture) -> None:
    limiter = LoginLimiter(user_failures=1)
    with caplog.at_level(logging.WARNING, logger="ticketbooth.auth"):
        limiter.record_failure("john", "a")
        with pytest.raises(RateLimitedError):
            limiter.check("john", "b")
        limiter.reset()
        limiter.check("john", "b")
    assert limiter.is_shared is True
    assert caplog.records == []
