"""The revoker when Redis is unreachable: the database poll carries on alone.

The Redis here is a port nothing listens on.  The fault test in ``tests/faults`` stops
and restarts a real Redis under two real servers and shows the subscriber coming back.
"""

from __future__ import annotations

import logging
import socket

import pytest

from tests.auth.memory import MemoryRevocations
from ticketbooth.auth.revocation import Revoker
from ticketbooth.tokens.revocation import RevocationList


@pytest.fixture
def unreachable() -> str:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


def test_start_up_without_redis_polls_and_warns_once(
    unreachable: str, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1_900_000_000.0]
    repo = MemoryRevocations()
    here = RevocationList(token_lifetime=3600, now=lambda: now[0])
    there = RevocationList(token_lifetime=3600, now=lambda: now[0])
    a = Revoker(repo, here, redis_url=unreachable, now=lambda: now[0])
    b = Revoker(repo, there, redis_url=unreachable, now=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="ticketbooth.auth"):
        b.subscribe()  # does not raise: the poll carries revocations
        now[0] += 1
        a.revoke_user(7)  # the publish fails and is logged; the row is written
        now[0] += 1
        assert b.poll() == 1  # retries the subscription too, still down: no new warning
        b.poll()
    assert there.is_revoked({"sub": "7", "iat": now[0] - 3})
    messages = [r.getMessage() for r in caplog.records]
    unreachable_warnings = [m for m in messages if m.startswith("Redis unreachable (")]
    assert len(unreachable_warnings) == 1
    assert "database poll only" in unreachable_warnings[0]
    assert any(m.startswith("could not publish a revocation to Redis") for m in messages)
    a.close()
    b.close()
