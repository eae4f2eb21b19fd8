"""Builds the sign-up feature (accounts, one-time links, the outbox and its sender) from
:class:`~ticketbooth.config.Settings`; :func:`ticketbooth.assembly.build` calls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .auth.accounts import AccountLimits, AccountService
from .auth.audit import Auditor
from .auth.mfa import MfaStatus
from .auth.passwords import PasswordHasher
from .auth.request_limits import RequestLimiter
from .auth.revocation import Revoker
from .config import Settings
from .mail.sender import OutboxSender
from .mail.smtp import SmtpTransport
from .mail.templates import MailTemplates
from .store.db import Database
from .store.one_time_secrets import SqlOneTimeSecretRepository
from .store.outbox import SqlOutboxRepository
from .store.refresh_tokens import SqlRefreshTokenRepository
from .store.sessions import SqlSessionRepository
from .store.users import SqlUserRepository


@dataclass(frozen=True)
class SignUp:
    """The sign-up feature's parts."""

    accounts: AccountService
    outbox: SqlOutboxRepository
    mail_sender: OutboxSender


def account_limits(settings: Settings) -> AccountLimits:
    """The per-address and per-client limits of the routes that send mail."""

    def limiter(kind: str) -> RequestLimiter:
        return RequestLimiter(
            kind,
            storage_uri=settings.redis_url or "memory://",
            email_requests=settings.account_email_requests,
            address_requests=settings.account_address_requests,
            window_seconds=int(settings.account_window_minutes * 60),
            is_enabled=settings.rate_limits,
            namespace=settings.issuer,
        )

    return AccountLimits(
        register=limiter("register"), forgot=limiter("forgot"), resend=limiter("resend")
    )


def build_signup(
    settings: Settings,
    db: Database,
    *,
    auditor: Auditor,
    revoker: Revoker | None,
    hasher: PasswordHasher,
    factors: Callable[[int], MfaStatus],
    passkeys: Callable[[int], int],
    now: Callable[[], float],
) -> SignUp:
    """Accounts over the database, and the sender ``serve`` starts (SMTP or the log)."""
    outbox = SqlOutboxRepository(db)
    transport = SmtpTransport(settings.smtp_url, settings.mail_from) if settings.smtp_url else None
    sender = OutboxSender(outbox, transport)
    accounts = AccountService(
        users=SqlUserRepository(db),
        secrets=SqlOneTimeSecretRepository(db),
        outbox=outbox,
        refresh_tokens=SqlRefreshTokenRepository(db),
        sessions=SqlSessionRepository(db),
        hasher=hasher,
        templates=MailTemplates(settings.mail_templates),
        limits=account_limits(settings),
        public_url=settings.public_url,
        registration=settings.registration,
        unit_of_work=db.session,
        auditor=auditor,
        revoker=revoker,
        factors=factors,
        passkeys=passkeys,
        mail_written=sender.wake,
        now=now,
    )
    return SignUp(accounts=accounts, outbox=outbox, mail_sender=sender)
