"""Side channels that fail must not fail the request: audit sinks, revocation publishing."""

from __future__ import annotations

import logging

import pytest

from tests.auth.memory import MemoryRevocations
from tests.servers import closed_port
from ticketbooth.auth.audit import AuditEvent, Auditor
from ticketbooth.auth.revocation import Revoker
from ticketbooth.tokens.revocation import RevocationList


class ListSink:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def append(self, event: AuditEvent) -> None:
        self.events.append(event)


class BrokenSink:
    def append(self, event: AuditEvent) -> None:
        raise OSError("disk full")


def test_a_failing_audit_sink_is_logged_and_the_others_still_write(
    caplog: pytest.LogCaptureFixture,
) -> None:
    kept = ListSink()
    auditor = Auditor([BrokenSink(), kept], now=lambda: 1_900_000_000.0)

    auditor.record("login", "failure", username="john", reason="password")

    assert [(e.event, e.outcome, e.username) for e in kept.events] == [("login", "failure", "john")]
    (record,) = [r for r in caplog.records if r.name == "ticketbooth.auth"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "could not write audit event login to BrokenSink"
    assert record.exc_info is not None and isinstance(record.exc_info[1], OSError)


def test_a_failing_revocation_publish_still_revokes(caplog: pytest.LogCaptureFixture) -> None:
    repo = MemoryRevocations()
    here = RevocationList(token_lifetime=3600, now=lambda: 1_900_000_000.0)
    with closed_port() as port:  # Redis is down: nothing listens there
        revoker = Revoker(
            repo, here, redis_url=f"redis://127.0.0.1:{port}/0", now=lambda: 1_900_000_000.0
        )
        try:
            not_before = revoker.revoke_user(7)
        finally:
            revoker.close()

    assert not_before == 1_900_000_000.0
    assert repo.rows == {7: 1_900_000_000.0}  # the database poll delivers it elsewhere
    assert here.is_revoked({"sub": "7", "iat": 1_899_999_999})  # this instance has it now
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.name for r in warnings] == ["ticketbooth.auth"]
    assert "could not publish a revocation to Redis" in warnings[0].getMessage()


def test_another_instance_learns_a_revocation_whose_publish_failed_from_the_poll() -> None:
    repo = MemoryRevocations()
    with closed_port() as port:
        publisher = Revoker(
            repo, RevocationList(token_lifetime=3600), redis_url=f"redis://127.0.0.1:{port}/0"
        )
        try:
            not_before = publisher.revoke_user(7)
        finally:
            publisher.close()
    elsewhere = RevocationList(token_lifetime=3600)

    assert Revoker(repo, elsewhere).poll() == 1

    assert elsewhere.is_revoked({"sub": "7", "iat": not_before - 1})
