"""One-time secrets and the small values the account flows share."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ..mail.templates import MailTemplates
from ..store.records import (
    OneTimeSecretRecord,
    OneTimeSecretRepository,
    OutboxRepository,
    UserRecord,
)
from .request_limits import RequestLimiter

VERIFY_LIFETIME = timedelta(hours=24)
RESET_LIFETIME = timedelta(minutes=30)
VERIFY_PATH = "/verify-email"
RESET_PATH = "/reset-password"
Registration = Literal["off", "open", "invite"]


def new_secret(
    purpose: str,
    now: datetime,
    lifetime: timedelta,
    *,
    user_id: int | None = None,
    email: str | None = None,
    role: str | None = None,
) -> tuple[str, OneTimeSecretRecord]:
    """A new 256-bit secret and the record that stores only its hash."""
    secret = secrets.token_urlsafe(32)
    return secret, OneTimeSecretRecord(
        id=str(uuid.uuid4()),
        purpose=purpose,
        secret_hash=hash_secret(secret),
        user_id=user_id,
        email=email,
        role=role,
        created_at=now,
        expires_at=now + lifetime,
    )


def hash_secret(secret: str) -> str:
    """The SHA-256 hex digest stored in place of a one-time secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AccountLimits:
    """One request limiter per route that sends mail."""

    register: RequestLimiter
    forgot: RequestLimiter
    resend: RequestLimiter


@dataclass(frozen=True, slots=True)
class Profile:
    """What ``GET /api/auth/me`` shows."""

    user: UserRecord
    has_totp: bool
    recovery_codes: int
    passkeys: int


class LinkMailer:
    """Stores one-time secrets and writes the mails that carry their links to the outbox
    (both join the caller's unit of work)."""

    def __init__(
        self,
        secrets: OneTimeSecretRepository,
        outbox: OutboxRepository,
        templates: MailTemplates,
        public_url: str,
    ) -> None:
        self._secrets = secrets
        self._outbox = outbox
        self._templates = templates
        self.public_url = public_url.rstrip("/")

    def issue(
        self, purpose: str, user_id: int | None, email: str, lifetime: timedelta, now: datetime
    ) -> str:
        """Store a new one-time secret; returns the link that carries it."""
        secret, record = new_secret(purpose, now, lifetime, user_id=user_id, email=email)
        self._secrets.add(record)
        path = VERIFY_PATH if purpose == "verify" else RESET_PATH
        return f"{self.public_url}{path}?token={secret}"

    def send(self, name: str, recipient: str, username: str, **values: str) -> None:
        """Render mail ``name`` and put it in the outbox."""
        mail = self._templates.render(
            name, recipient, username=username or recipient, url=self.public_url, **values
        )
        self._outbox.add(
            recipient=recipient, subject=mail.subject, body_text=mail.text, body_html=mail.html
        )
