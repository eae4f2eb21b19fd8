"""Builds the login feature (passwords, second factors, sessions, the failed-login
limiter and user administration) from :class:`~ticketbooth.config.Settings`;
:func:`ticketbooth.assembly.build` calls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .auth.accounts import verified_address_rule
from .auth.audit import Auditor
from .auth.mfa import SecondFactors
from .auth.passwords import PasswordHasher
from .auth.ratelimit import LoginLimiter
from .auth.revocation import Revoker
from .auth.service import AuthService
from .auth.sessions import SessionManager
from .auth.users import UserAdmin
from .config import Settings
from .store.db import Database
from .store.mfa import SqlMfaRepository
from .store.refresh_tokens import SqlRefreshTokenRepository
from .store.sessions import SqlSessionRepository
from .store.users import SqlUserRepository
from .tokens.issuer import TokenIssuer


@dataclass(frozen=True)
class Login:
    """The login feature's parts."""

    auth: AuthService
    users: UserAdmin
    sessions: SessionManager
    mfa: SecondFactors
    limiter: LoginLimiter


def build_login(
    settings: Settings,
    db: Database,
    *,
    issuer: TokenIssuer,
    auditor: Auditor,
    revoker: Revoker | None,
    hasher: PasswordHasher,
    now: Callable[[], float],
) -> Login:
    """Users, logins and sessions: the auth service, user and session administration,
    and the failed-login limiter."""
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
    mfa = SecondFactors(
        repo=SqlMfaRepository(db),
        users=users,
        hasher=hasher,
        limiter=limiter,
        issuer=settings.issuer,
        encryption_key=settings.encryption_key_bytes,
        auditor=auditor,
        unit_of_work=db.session,
        now=now,
    )
    return Login(
        limiter=limiter,
        mfa=mfa,
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
            second_factors=mfa.pending,
            admit=verified_address_rule(auditor) if settings.require_verified_email else None,
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
        sessions=SessionManager(
            sessions=sessions,
            refresh_tokens=refresh,
            auditor=auditor,
            revoker=revoker,
            unit_of_work=db.session,
            now=now,
        ),
    )
