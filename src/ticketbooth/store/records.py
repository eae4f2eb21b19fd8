"""Plain values and repository protocols shared by ``store`` and ``auth``.

Nothing here imports SQLAlchemy: ``auth`` depends on these protocols, and ORM models
never leave ``store``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

ROLES: tuple[str, ...] = ("Admin", "User")


def normalize(name: str) -> str:
    """The form a username or email address is looked up and kept unique by.

    NFKC then case folding, as ASP.NET Core Identity normalizes: ``Zoe``, ``ZOE`` and
    the full-width ``Zoe`` are one name.
    """
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A user as the auth layer sees it.  ``password_hash`` is an argon2id PHC string."""

    id: int
    username: str
    email: str | None
    role: str
    password_hash: str
    is_disabled: bool
    created_at: datetime
    email_verified_at: datetime | None = None

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"UserRecord(id={self.id}, username={self.username!r}, role={self.role!r})"


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    """One refresh token.  Only the SHA-256 of the token is ever stored."""

    id: str
    user_id: int
    family_id: str
    parent_id: str | None
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One login: its refresh-token family, where it came from and how it was proven.

    Attributes:
        id: the refresh-token family id; access tokens carry it as ``sid``.
        amr: RFC 8176 methods (``("pwd",)``, ``("pwd", "otp")``).
    """

    id: str
    user_id: int
    created_at: datetime
    last_used_at: datetime
    ip_address: str | None
    user_agent: str | None
    amr: tuple[str, ...]
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ProductRecord:
    """The demo API's resource."""

    id: int
    name: str
    price: float


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A signing key row.  ``material`` is the secret or PEM private key (a secret)."""

    kid: str
    alg: str
    state: str
    material: bytes
    created_at: datetime
    activated_at: datetime | None
    retire_after: datetime | None
    retired_at: datetime | None

    def __repr__(self) -> str:
        return f"KeyRecord(kid={self.kid!r}, alg={self.alg!r}, state={self.state!r})"


class UserRepository(Protocol):
    """Users by id and name."""

    def get(self, user_id: int) -> UserRecord | None: ...
    def get_by_username(self, username: str) -> UserRecord | None: ...
    def get_by_email(self, email: str) -> UserRecord | None: ...
    def add(
        self,
        *,
        username: str,
        password_hash: str,
        role: str,
        email: str | None,
        email_verified_at: datetime | None = None,
    ) -> UserRecord: ...
    def set_email_verified(self, user_id: int, email: str, now: datetime) -> bool: ...
    def list(self) -> list[UserRecord]: ...
    def update(
        self,
        user_id: int,
        *,
        role: str | None = None,
        is_disabled: bool | None = None,
        password_hash: str | None = None,
    ) -> UserRecord | None: ...
    def delete(self, user_id: int) -> bool: ...


@dataclass(frozen=True, slots=True)
class OneTimeSecretRecord:
    """A one-time secret (``verify``, ``reset``, ``invite``); only the hash is kept."""

    id: str
    purpose: str
    secret_hash: str
    user_id: int | None
    email: str | None
    role: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class OneTimeSecretRepository(Protocol):
    """One-time secrets, each usable once (one conditional update)."""

    def add(self, record: OneTimeSecretRecord) -> None: ...
    def find(self, purpose: str, secret_hash: str) -> OneTimeSecretRecord | None: ...
    def use(self, secret_id: str, now: datetime) -> bool: ...
    def retire_for_user(self, user_id: int, purpose: str, now: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class MailRecord:
    """A mail in the outbox."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None

    def __repr__(self) -> str:  # bodies carry one-time links
        return f"MailRecord(id={self.id}, subject={self.subject!r}, attempts={self.attempts})"


class OutboxRepository(Protocol):
    """Mails waiting for delivery; a sender claims each with a conditional update."""

    def add(self, *, recipient: str, subject: str, body_text: str, body_html: str) -> None: ...
    def pending(self) -> list[MailRecord]: ...
    def claim(self, now: datetime, lease_seconds: float, limit: int) -> list[MailRecord]: ...
    def mark_sent(self, mail_id: int, now: datetime) -> None: ...
    def mark_failed(self, mail_id: int, error: str, retry_at: datetime) -> None: ...


class RefreshTokenRepository(Protocol):
    """Refresh tokens, with atomic rotation."""

    def add(self, record: RefreshTokenRecord) -> None: ...
    def find_by_hash(self, token_hash: str) -> RefreshTokenRecord | None: ...
    def get(self, record_id: str) -> RefreshTokenRecord | None: ...
    def rotate(self, old_id: str, new: RefreshTokenRecord, now: datetime) -> bool: ...
    def revoke_family(self, family_id: str, reason: str, now: datetime) -> int: ...
    def revoke_user(self, user_id: int, reason: str, now: datetime) -> int: ...


class SessionRepository(Protocol):
    """Sessions (logins) by id and by user."""

    def add(self, record: SessionRecord) -> None: ...
    def get(self, session_id: str) -> SessionRecord | None: ...
    def list_for_user(self, user_id: int) -> list[SessionRecord]: ...
    def touch(self, session_id: str, now: datetime) -> tuple[str, ...] | None: ...
    def revoke(self, session_id: str, reason: str, now: datetime) -> bool: ...
    def revoke_user(self, user_id: int, reason: str, now: datetime) -> int: ...


UnitOfWork = Callable[[], AbstractContextManager[object]]
"""Opens one transaction that every repository call inside it joins (``Database.session``).

``with unit_of_work(): ...`` commits everything written inside on success and rolls all
of it back on an exception, so a change and its audit row are kept or lost together.
"""


class KeyRepository(Protocol):
    """Signing keys and their lifecycle state."""

    def list(self) -> list[KeyRecord]: ...
    def add(self, record: KeyRecord) -> None: ...
    def set_state(
        self,
        kid: str,
        state: str,
        now: datetime,
        *,
        retire_after: datetime | None = None,
        expect: str | None = None,
    ) -> bool: ...


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One authentication event.

    Attributes:
        at: when (UTC).
        event: one of ``ticketbooth.auth.audit.EVENTS``.
        outcome: ``success`` or ``failure``.
        user_id: the user concerned, when known.
        username: the username given or concerned, when known.
        address: the client address, when the event came over HTTP.
        user_agent: the client's User-Agent, truncated.
        detail: small extra facts (a failure reason, a key id, a count).
    """

    at: datetime
    event: str
    outcome: str
    user_id: int | None = None
    username: str | None = None
    address: str | None = None
    user_agent: str | None = None
    detail: dict[str, str | int] = field(default_factory=dict)

    def as_json(self) -> str:
        """One line of JSON, keys sorted."""
        data = {  # by hand: dataclasses.asdict deep-copies, a tenth of a refresh's audit
            "address": self.address,
            "at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "detail": self.detail,
            "event": self.event,
            "outcome": self.outcome,
            "user_agent": self.user_agent,
            "user_id": self.user_id,
            "username": self.username,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


class AuditSink(Protocol):
    """Somewhere events are kept.

    A sink may set ``is_transactional = True``: it writes in the caller's unit of work,
    and its failure is the change's failure (the auditor does not swallow it).
    """

    def append(self, event: AuditEvent) -> None: ...


class RevocationRepository(Protocol):
    """Where access revocations (not-before times, per user and per session) are kept."""

    def record(self, user_id: int, not_before: float) -> None: ...
    def record_session(self, session_id: str, not_before: float) -> None: ...
    def since(self, recorded_after: float) -> dict[str, float]: ...
    def sessions_since(self, recorded_after: float) -> dict[str, float]: ...
    def prune(self, older_than: float) -> int: ...
