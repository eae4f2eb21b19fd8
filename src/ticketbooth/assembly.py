"""Builds the running parts from :class:`~ticketbooth.config.Settings`.

The one place where settings turn into constructor arguments; used by the web app
factory and the CLI so both run exactly the same objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from .auth.accounts import AccountLimits, AccountService
from .auth.audit import Auditor
from .auth.keyring import Keyring
from .auth.passwords import PasswordHasher
from .auth.ratelimit import LoginLimiter, RequestLimiter
from .auth.revocation import Revoker
from .auth.service import AuthService
from .auth.sessions import SessionManager
from .auth.users import UserAdmin
from .config import Settings
from .mail.sender import OutboxSender
from .mail.smtp import SmtpTransport
from .mail.templates import MailTemplates
from .store.audit import SqlAuditLog
from .store.db import Database, migrate
from .store.keys import SqlKeyRepository
from .store.one_time_secrets import SqlOneTimeSecretRepository
from .store.outbox import SqlOutboxRepository
from .store.products import SqlProductRepository
from .store.refresh_tokens import SqlRefreshTokenRepository
from .store.revocations import SqlRevocationRepository
from .store.sessions import SqlSessionRepository
from .store.users import SqlUserRepository
from .tokens.claims import ValidationParameters
from .tokens.issuer import TokenIssuer
from .tokens.profiles import ACCESS_PROFILES
from .tokens.revocation import RevocationList
from .tokens.validator import TokenValidator


@dataclass
class Services:
    """Everything the service runs on, wired together."""

    settings: Settings
    db: Database
    keyring: Keyring
    issuer: TokenIssuer
    validator: TokenValidator
    auth: AuthService
    users: UserAdmin
    products: SqlProductRepository
    limiter: LoginLimiter
    auditor: Auditor
    audit_log: SqlAuditLog
    sessions: SessionManager
    accounts: AccountService
    outbox: SqlOutboxRepository
    mail_sender: OutboxSender
    revoker: Revoker | None = None

    def reload_keys(self) -> None:
        """Pick up rotated, generated or retired keys from the database.

        With automatic rotation on, first rotate when the active key is due (safe with
        several instances: exactly one promotes the pre-published key).
        """
        if self.settings.rotate_days is not None:
            rotated = self.keyring.rotate_if_due(self.settings.rotate_days)
            if rotated is not None:
                self.auditor.record("key_rotated", kid=rotated[0].kid, next_kid=rotated[1].kid)
        keys = self.keyring.load()
        self.issuer.replace_keys(keys)
        self.validator.replace_keys(keys)

    def close(self) -> None:
        """Release database and Redis connections."""
        if self.revoker is not None:
            self.revoker.close()
        self.db.dispose()


def validation_parameters(settings: Settings) -> ValidationParameters:
    """The validator's parameters for these settings."""
    return ValidationParameters(
        issuer=settings.issuer,
        audience=settings.audience,
        leeway=settings.clock_skew_seconds,
    )


def effective_algorithm(settings: Settings, keys: SqlKeyRepository) -> str:
    """The algorithm new keys use.

    ``TICKETBOOTH_ALGORITHM``, when it is set; otherwise that of the newest active
    database key (so ``keys generate --alg RS256`` stays in force), and HS256 on first run.
    """
    if "algorithm" in settings.model_fields_set or settings.secret_key is not None:
        return settings.algorithm
    try:
        active = [r for r in keys.list() if r.state == "active"]
    except SQLAlchemyError:  # not migrated yet: first run
        return settings.algorithm
    if not active:
        return settings.algorithm
    return max(active, key=lambda r: r.activated_at or r.created_at).alg


def build(
    settings: Settings,
    *,
    now: Callable[[], float] = time.time,
    prepare: bool = True,
    switch_algorithm: bool = False,
    hasher: PasswordHasher | None = None,
) -> Services:
    """Connect, migrate and load keys.

    Args:
        settings: the configuration.
        now: the clock every part shares.
        prepare: migrate the database and create a signing key when missing.
        switch_algorithm: with ``prepare``, replace an active key whose algorithm is not
            the configured one (``serve`` does; administrative commands do not).
        hasher: the password hasher; argon2id with its defaults when omitted (the
            ``ticketbooth.testing`` plugin passes a cheap one).

    Raises:
        ConfigurationError: the database is unreachable or the configuration is unusable.
    """
    db = Database.from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    try:
        if prepare:
            migrate(db.engine)
        key_repo = SqlKeyRepository(db)
        keyring = Keyring(
            key_repo,
            algorithm=effective_algorithm(settings, key_repo),
            secret=settings.secret_bytes,
            token_lifetime=settings.access_seconds,
            leeway=settings.clock_skew_seconds,
            encryption_key=settings.encryption_key_bytes,
            now=now,
        )
        if prepare:
            keyring.ensure_active(switch_algorithm=switch_algorithm)
            keyring.publish_next()
        keys = keyring.load()
    except BaseException:
        db.dispose()  # a failed start-up must not leave pooled connections behind
        raise
    issuer = TokenIssuer(
        keys,
        issuer=settings.issuer,
        audience=settings.audience,
        lifetime=settings.access_seconds,
        now=now,
    )
    revoker = None
    revocations = None
    if settings.revoke_access:
        revocations = RevocationList(
            token_lifetime=settings.access_seconds, leeway=settings.clock_skew_seconds, now=now
        )
        revoker = Revoker(
            SqlRevocationRepository(db),
            revocations,
            redis_url=settings.redis_url,
            namespace=settings.issuer,
            now=now,
        )
    validator = TokenValidator(
        keys,
        validation_parameters(settings),
        now=now,
        cache_size=settings.validation_cache_size,
        revocations=revocations,
        profiles=ACCESS_PROFILES,
    )
    hasher = hasher or PasswordHasher()
    limiter = LoginLimiter(
        storage_uri=settings.redis_url or "memory://",
        user_failures=settings.login_user_failures,
        address_failures=settings.login_address_failures,
        window_seconds=int(settings.login_window_minutes * 60),
        is_enabled=settings.rate_limits,
        namespace=settings.issuer,
    )
    users = SqlUserRepository(db)
    refresh = SqlRefreshTokenRepository(db)
    sessions = SqlSessionRepository(db)
    audit_log = SqlAuditLog(db)
    auditor = Auditor([audit_log], now=now)
    outbox = SqlOutboxRepository(db)
    transport = SmtpTransport(settings.smtp_url, settings.mail_from) if settings.smtp_url else None
    mail_sender = OutboxSender(outbox, transport)
    return Services(
        settings=settings,
        db=db,
        keyring=keyring,
        issuer=issuer,
        validator=validator,
        auth=AuthService(
            users=users,
            refresh_tokens=refresh,
            issuer=issuer,
            hasher=hasher,
            limiter=limiter,
            refresh_lifetime=settings.refresh_seconds,
            auditor=auditor,
            revoker=revoker,
            sessions=sessions,
            unit_of_work=db.session,
            require_verified_email=settings.require_verified_email,
            now=now,
        ),
        users=UserAdmin(
            users=users,
            refresh_tokens=refresh,
            hasher=hasher,
            auditor=auditor,
            revoker=revoker,
            sessions=sessions,
            now=now,
        ),
        products=SqlProductRepository(db),
        limiter=limiter,
        auditor=auditor,
        audit_log=audit_log,
        sessions=SessionManager(
            sessions=sessions,
            refresh_tokens=refresh,
            auditor=auditor,
            revoker=revoker,
            unit_of_work=db.session,
            now=now,
        ),
        accounts=AccountService(
            users=users,
            secrets=SqlOneTimeSecretRepository(db),
            outbox=outbox,
            refresh_tokens=refresh,
            sessions=sessions,
            hasher=hasher,
            templates=MailTemplates(settings.mail_templates),
            limits=account_limits(settings),
            public_url=settings.public_url,
            registration=settings.registration,
            unit_of_work=db.session,
            auditor=auditor,
            revoker=revoker,
            mail_written=mail_sender.wake,
            now=now,
        ),
        outbox=outbox,
        mail_sender=mail_sender,
        revoker=revoker,
    )


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
