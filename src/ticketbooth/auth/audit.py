"""Authentication events: who did what, from where, with what outcome.

Every event goes to every sink: a JSON log line (``ticketbooth.audit`` logger) and, in the
service, a row in the tamper-evident ``audit_events`` table.  Events never carry a
password, a token or a key.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from ..store.records import AuditEvent, AuditSink

log = logging.getLogger("ticketbooth.audit")

__all__ = [
    "EVENTS",
    "NO_CONTEXT",
    "Actor",
    "AuditEvent",
    "AuditSink",
    "Auditor",
    "LogSink",
    "RequestContext",
]

EVENTS = (
    "login",
    "mfa",
    "refresh",
    "refresh_reuse",
    "logout",
    "rate_limited",
    "user_created",
    "role_changed",
    "password_changed",
    "user_disabled",
    "user_enabled",
    "user_deleted",
    "key_generated",
    "key_rotated",
    "key_retired",
    "access_revoked",
    "client_created",
    "client_enabled",
    "client_disabled",
    "client_deleted",
    "client_secret_rotated",
    "client_auth",
    "client_rate_limited",
    "client_token",
    "token_revoked",
    "session_revoked",
    "sessions_revoked",
    "mfa_reset",
    "totp_setup",
    "totp_enabled",
    "totp_disabled",
    "recovery_codes",
    "recovery_code_used",
    "register",
    "email_verified",
    "verify_email",
    "verification_sent",
    "password_reset_requested",
    "password_reset",
    "invite_created",
    "passkey_registered",
    "passkey_used",
    "passkey_deleted",
    "passkeys_deleted",
)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Where a request came from (for the audit trail)."""

    address: str | None = None
    user_agent: str | None = None


NO_CONTEXT = RequestContext()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change on someone else's behalf (an administrator), and from where.

    Attributes:
        name: the administrator's username, written into each event's detail as ``admin``.
        user_id: their user id, when the token names one of this database's users.
        context: where their request came from.
    """

    name: str
    user_id: int | None = None
    context: RequestContext = NO_CONTEXT


_ACTOR: ContextVar[Actor | None] = ContextVar("ticketbooth_actor", default=None)


@contextlib.contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Every event recorded inside the block names ``actor`` (``admin`` in its detail)
    and, when the event has no request context of its own, takes the actor's.

    The console wraps each change in this, so the audit rows that the user, session,
    second-factor and key services already write say which administrator asked.
    """
    token = _ACTOR.set(actor)
    try:
        yield actor
    finally:
        _ACTOR.reset(token)


class LogSink:
    """Writes each event as one JSON line to the ``ticketbooth.audit`` logger."""

    def append(self, event: AuditEvent) -> None:
        if log.isEnabledFor(logging.INFO):
            log.info(event.as_json())


class Auditor:
    """Records events to every sink.

    A sink whose ``is_transactional`` is true (the audit table) writes first, and its
    failure propagates: inside a unit of work it rolls the change back with it, so a
    change is never kept without its audit row.  Any other sink (the log, metrics) that
    fails is logged, never fatal to the request.
    """

    def __init__(
        self, sinks: Iterable[AuditSink] = (), *, now: Callable[[], float] = time.time
    ) -> None:
        self._sinks: list[AuditSink] = []
        self._transactional: list[AuditSink] = []
        for sink in (LogSink(), *sinks):
            self.add_sink(sink)
        self._now = now

    def add_sink(self, sink: AuditSink) -> None:
        """Send events to one more sink (the web app adds its metrics this way)."""
        is_transactional = getattr(sink, "is_transactional", False)
        (self._transactional if is_transactional else self._sinks).append(sink)

    def record(
        self,
        event: str,
        outcome: str = "success",
        *,
        user_id: int | None = None,
        username: str | None = None,
        context: RequestContext = NO_CONTEXT,
        **detail: str | int,
    ) -> None:
        """Record one event with the current time (naming the :func:`acting` admin)."""
        actor = _ACTOR.get()
        if actor is not None:
            detail = {**detail, "admin": actor.name[:150]}
            context = actor.context if context == NO_CONTEXT else context
        item = AuditEvent(
            at=datetime.fromtimestamp(self._now(), UTC),
            event=event,
            outcome=outcome,
            user_id=user_id,
            username=username[:150] if username else username,
            address=context.address,
            user_agent=context.user_agent[:300] if context.user_agent else None,
            detail=detail,
        )
        for sink in self._transactional:
            sink.append(item)
        for sink in self._sinks:
            try:
                sink.append(item)
            except Exception:  # an audit outage must not turn a login into a 500
                logging.getLogger("ticketbooth.auth").exception(
                    "could not write audit event %s to %s", event, type(sink).__name__
                )
