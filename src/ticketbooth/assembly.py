"""Builds the running parts from :class:`~ticketbooth.config.Settings`.

The one place where settings turn into constructor arguments; used by the web app
factory and the CLI so both run exactly the same objects.  One builder per feature (the
database, revocation, keys and tokens here; login in ``_login``, sign-up in ``_signup``,
OAuth 2.0 for services in ``_oauth``) returns its parts together with a ``close()`` and the
background :class:`Job` s it needs; :class:`Services` closes them in reverse order, and the
app's lifespan runs every job in one loop.  A new feature adds a builder in a module of its
own, not a line in the lifespan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from ._login import build_login
from ._oauth import build_oauth
from ._passkeys import PURGE_SECONDS, build_passkeys
from ._signup import build_signup
from .auth.accounts import AccountService
from .auth.audit import Auditor
from .auth.key_admin import KeyAdmin
from .auth.keyring import Keyring
from .auth.mfa import SecondFactors
from .auth.oauth import ClientAdmin, OAuthService
from .auth.passkeys import Passkeys
from .auth.passwords import PasswordHasher
from .auth.ratelimit import LoginLimiter
from .auth.revocation import Revoker
from .auth.service import AuthService
from .auth.sessions import SessionManager
from .auth.users import UserAdmin
from .config import Settings
from .mail.sender import OutboxSender
from .store.audit import SqlAuditLog
from .store.clients import SqlJtiRevocationRepository
from .store.db import Database, migrate
from .store.keys import SqlKeyRepository
from .store.outbox import SqlOutboxRepository
from .store.products import SqlProductRepository
from .store.revocations import SqlRevocationRepository
from .tokens.claims import ValidationParameters
from .tokens.issuer import TokenIssuer
from .tokens.profiles import ACCESS_PROFILES
from .tokens.revocation import RevocationList
from .tokens.validator import TokenValidator


@dataclass(frozen=True)
class Job:
    """Background work a feature needs while the service runs.

    Attributes:
        name: what it does, for the log ("could not <name>: ...").
        interval: seconds between two runs.
        run: the work; blocking, so it runs in a worker thread.
        start: run once before the first interval (a first poll, a subscription).
    """

    name: str
    interval: float
    run: Callable[[], object]
    start: Callable[[], object] | None = None


@dataclass
class Feature:
    """What a builder hands back besides its parts: how to stop it, what to run."""

    close: Callable[[], None] = lambda: None
    jobs: tuple[Job, ...] = ()


@dataclass
class Services:
    """Everything the service runs on, wired together."""

    settings: Settings
    db: Database
    keyring: Keyring
    keys: KeyAdmin
    issuer: TokenIssuer
    validator: TokenValidator
    auth: AuthService
    users: UserAdmin
    products: SqlProductRepository
    limiter: LoginLimiter
    auditor: Auditor
    audit_log: SqlAuditLog
    sessions: SessionManager
    mfa: SecondFactors
    accounts: AccountService
    outbox: SqlOutboxRepository
    mail_sender: OutboxSender
    oauth: OAuthService
    clients: ClientAdmin
    passkeys: Passkeys
    revoker: Revoker | None = None
    features: list[Feature] = field(default_factory=list)
    now: Callable[[], float] = time.time

    @property
    def jobs(self) -> list[Job]:
        """Every feature's background jobs."""
        return [job for feature in self.features for job in feature.jobs]

    def reload_keys(self) -> None:
        """Pick up rotated, generated or retired keys from the database.

        With automatic rotation on, first rotate when the active key is due (safe with
        several instances: exactly one promotes the pre-published key).
        """
        if self.settings.rotate_days is not None:
            self.keys.rotate_if_due(self.settings.rotate_days)
        keys = self.keyring.load()
        self.issuer.replace_keys(keys)
        self.validator.replace_keys(keys)

    def close(self) -> None:
        """Stop every feature, the last built first (the database last of all)."""
        for feature in reversed(self.features):
            feature.close()


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


def build_database(settings: Settings, *, prepare: bool) -> tuple[Database, Feature]:
    """The database, migrated when ``prepare``; closing disposes of its pool.

    Raises:
        ConfigurationError: the URL is unusable or the database unreachable.
    """
    db = Database.from_url(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    try:
        if prepare:
            migrate(db.engine)
    except BaseException:
        db.dispose()  # a failed start-up must not leave pooled connections behind
        raise
    return db, Feature(close=db.dispose)


def build_keyring(
    settings: Settings,
    db: Database,
    *,
    now: Callable[[], float],
    prepare: bool,
    switch_algorithm: bool,
) -> Keyring:
    """The signing keys, with an active one ensured and the next one published when
    ``prepare``.

    Raises:
        ConfigurationError: the keys cannot be loaded or made.
    """
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
    return keyring


def build_revocation(
    settings: Settings, db: Database, *, now: Callable[[], float]
) -> tuple[RevocationList | None, Revoker | None, Feature]:
    """Access-token revocation when ``TICKETBOOTH_REVOKE_ACCESS`` is on: the list the
    validator reads, the revoker that fills it, and the poll that bounds the delay."""
    if not settings.revoke_access:
        return None, None, Feature()
    revocations = RevocationList(
        token_lifetime=settings.access_seconds, leeway=settings.clock_skew_seconds, now=now
    )
    revoker = Revoker(
        SqlRevocationRepository(db),
        revocations,
        redis_url=settings.redis_url,
        namespace=settings.issuer,
        now=now,
        jtis=SqlJtiRevocationRepository(db),
    )

    def start() -> None:
        revoker.poll()
        revoker.subscribe()

    poll = Job("poll revocations", settings.revocation_poll_seconds, revoker.poll, start)
    return revocations, revoker, Feature(close=revoker.close, jobs=(poll,))


def build_tokens(
    settings: Settings,
    keyring: Keyring,
    revocations: RevocationList | None,
    *,
    now: Callable[[], float],
) -> tuple[TokenIssuer, TokenValidator]:
    """The issuer and the validator (user and client access profiles) over the keys."""
    keys = keyring.load()
    issuer = TokenIssuer(
        keys,
        issuer=settings.issuer,
        audience=settings.audience,
        lifetime=settings.access_seconds,
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
    return issuer, validator


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
    db, database = build_database(settings, prepare=prepare)
    try:
        keyring = build_keyring(
            settings, db, now=now, prepare=prepare, switch_algorithm=switch_algorithm
        )
        revocations, revoker, revocation = build_revocation(settings, db, now=now)
        issuer, validator = build_tokens(settings, keyring, revocations, now=now)
    except BaseException:
        db.dispose()
        raise
    audit_log = SqlAuditLog(db)
    auditor = Auditor([audit_log], now=now)
    hasher = hasher or PasswordHasher()
    accounts = build_login(
        settings, db, issuer=issuer, auditor=auditor, revoker=revoker, hasher=hasher, now=now
    )
    passkeys = build_passkeys(
        settings, db, auth=accounts.auth, sessions=accounts.sessions, auditor=auditor, now=now
    )
    signup = build_signup(
        settings,
        db,
        auditor=auditor,
        revoker=revoker,
        hasher=hasher,
        factors=accounts.mfa.status,
        passkeys=passkeys.count,
        now=now,
    )
    oauth = build_oauth(
        settings,
        db,
        issuer=issuer,
        validator=validator,
        limiter=accounts.limiter,
        sessions=accounts.sessions,
        auditor=auditor,
        revoker=revoker,
        now=now,
    )
    svc = Services(
        settings=settings,
        db=db,
        keyring=keyring,
        keys=KeyAdmin(keyring, auditor=auditor, unit_of_work=db.session),
        issuer=issuer,
        validator=validator,
        audit_log=audit_log,
        auditor=auditor,
        revoker=revoker,
        products=SqlProductRepository(db),
        auth=accounts.auth,
        users=accounts.users,
        sessions=accounts.sessions,
        mfa=accounts.mfa,
        limiter=accounts.limiter,
        accounts=signup.accounts,
        outbox=signup.outbox,
        mail_sender=signup.mail_sender,
        oauth=oauth.service,
        clients=oauth.clients,
        passkeys=passkeys,
        now=now,
    )
    keys = Feature(jobs=(Job("reload signing keys", settings.key_reload_seconds, svc.reload_keys),))
    purge = Feature(jobs=(Job("purge passkey challenges", PURGE_SECONDS, svc.passkeys.purge),))
    svc.features = [database, keys, revocation, purge]
    return svc
