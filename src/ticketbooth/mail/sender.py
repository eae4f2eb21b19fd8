"""The outbox sender: delivers the mails the outbox holds, with retries and backoff.

Each ``serve`` process runs one in a thread.  A sender claims due mails with a lease
(a conditional UPDATE in the outbox), so several instances never deliver a mail twice
while the lease holds, and a sender that dies mid-delivery leaves its mails to the
next one when the lease ends.  A failed delivery waits ``backoff(attempts)`` (5 s,
10 s, 20 s ... up to an hour) and is tried again, forever: SMTP being down delays mail,
it never loses it.  Without a transport (no ``TICKETBOOTH_SMTP_URL``) each mail is
written to the log once, with its link, and stays pending.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..errors import TicketboothError
from ..store.records import MailRecord, OutboxRepository
from .templates import Mail

log = logging.getLogger("ticketbooth.mail")

LEASE_SECONDS = 120.0
BATCH = 20
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 3600.0
LOGGED = "no TICKETBOOTH_SMTP_URL: written to the log"


class Transport(Protocol):
    def send(self, mail: Mail) -> None: ...


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed delivery (doubling, capped)."""
    exponent: int = max(0, min(attempts - 1, 20))
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * float(2**exponent))


class OutboxSender:
    """Delivers outbox mails through ``transport`` (or the log when it is None).

    Args:
        outbox: the outbox repository.
        transport: an :class:`~.smtp.SmtpTransport`, or None for the log.
        interval: seconds between looks at the outbox when it is idle.
        now: the clock.
    """

    def __init__(
        self,
        outbox: OutboxRepository,
        transport: Transport | None,
        *,
        interval: float = 1.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._outbox = outbox
        self._transport = transport
        self._interval = interval
        self._now = now
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    def run_once(self) -> int:
        """Deliver what is due now; returns how many mails were delivered."""
        if self._transport is None:
            return self._log_new()
        delivered = 0
        for mail in self._outbox.claim(self._utcnow(), LEASE_SECONDS, BATCH):
            try:
                self._transport.send(_mail(mail))
            except (OSError, ValueError) as exc:  # smtplib errors are OSErrors
                attempts = mail.attempts + 1
                retry_at = self._utcnow() + timedelta(seconds=backoff(attempts))
                reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:250]
                self._outbox.mark_failed(mail.id, reason, retry_at)
                log.warning(
                    "mail %d to %s not delivered (attempt %d), retrying at %s: %s",
                    mail.id, mail.recipient, attempts, retry_at.isoformat(), reason,
                )  # fmt: skip
                continue
            self._outbox.mark_sent(mail.id, self._utcnow())
            delivered += 1
            log.info("mail %d delivered to %s", mail.id, mail.recipient)
        return delivered

    def _log_new(self) -> int:
        count = 0
        for mail in self._outbox.claim(self._utcnow(), LEASE_SECONDS, BATCH):
            if mail.attempts == 0:  # once per mail; it stays pending for a real transport
                log.warning(
                    "%s; mail %d to %s, %r:\n%s", LOGGED, mail.id, mail.recipient,
                    mail.subject, mail.body_text,
                )  # fmt: skip
                count += 1
            self._outbox.mark_failed(
                mail.id, LOGGED, self._utcnow() + timedelta(seconds=MAX_RETRY_SECONDS)
            )
        return count

    def wake(self) -> None:
        """Look at the outbox now (a request just wrote a mail)."""
        self._wake.set()

    def start(self) -> None:
        """Run in a daemon thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self._loop, name="ticketbooth-mail", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except TicketboothError as exc:  # a database outage: one line, try again later
                log.warning("the outbox sender could not read the outbox: %s", exc.message)
            except Exception:  # a bug: the traceback, and try again at the next tick
                log.exception("the outbox sender could not read the outbox")
            self._wake.wait(self._interval)
            self._wake.clear()


def _mail(record: MailRecord) -> Mail:
    return Mail(
        recipient=record.recipient,
        subject=record.subject,
        text=record.body_text,
        html=record.body_html,
    )
