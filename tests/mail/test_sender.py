"""The outbox sender: delivery, retries with backoff, the log without SMTP, claims."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from ticketbooth.mail.sender import LOGGED, OutboxSender, backoff
from ticketbooth.mail.templates import Mail, MailTemplates
from ticketbooth.store.db import Database
from ticketbooth.store.outbox import SqlOutboxRepository


class Transport:
    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.is_down = False

    def send(self, mail: Mail) -> None:
        if self.is_down:
            raise ConnectionRefusedError("connection refused")
        self.sent.append(mail)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def put(outbox: SqlOutboxRepository, to: str = "zoe@example.com") -> None:
    mail = MailTemplates().render("reset", to, username="zoe", link="https://x/r?token=t")
    outbox.add(recipient=to, subject=mail.subject, body_text=mail.text, body_html=mail.html)


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff(30) == 3600.0


def test_a_failed_delivery_is_retried_after_its_backoff(db: Database) -> None:
    outbox, transport, clock = SqlOutboxRepository(db), Transport(), Clock()
    sender = OutboxSender(outbox, transport, now=clock)
    put(outbox)
    clock.now += 1  # the outbox stamps mails with the real clock
    transport.is_down = True
    assert sender.run_once() == 0
    [pending] = outbox.pending()
    assert (
        pending.attempts == 1 and pending.last_error == "ConnectionRefusedError: connection refused"
    )
    transport.is_down = False
    clock.now += 4
    assert sender.run_once() == 0  # not due yet
    clock.now += 1
    assert sender.run_once() == 1
    assert outbox.pending() == [] and transport.sent[0].subject == "Reset your password"


def test_a_claimed_mail_is_not_claimed_again_until_its_lease_ends(db: Database) -> None:
    outbox = SqlOutboxRepository(db)
    put(outbox)
    now = datetime.now(UTC)
    assert len(outbox.claim(now, 120, 10)) == 1
    assert outbox.claim(now, 120, 10) == []  # another sender gets nothing
    assert len(outbox.claim(now + timedelta(seconds=121), 120, 10)) == 1


def test_without_smtp_a_mail_is_logged_once_and_stays_pending(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    outbox, clock = SqlOutboxRepository(db), Clock()
    sender = OutboxSender(outbox, None, now=clock)
    put(outbox)
    clock.now += 1
    with caplog.at_level(logging.WARNING, logger="ticketbooth.mail"):
        assert sender.run_once() == 1
        clock.now += 7200
        assert sender.run_once() == 0
    assert [r.getMessage().count("https://x/r?token=t") for r in caplog.records] == [1]
    [pending] = outbox.pending()
    assert pending.last_error == LOGGED
