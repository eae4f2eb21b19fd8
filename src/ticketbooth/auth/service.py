"""Login, refresh with rotation and reuse detection, and logout.

Refresh tokens are 256-bit random strings; only their SHA-256 is stored.  Each login
starts a *family*; every refresh rotates the presented token (it stops working) and
issues its successor in the same family.  A rotated token presented again means two
parties hold the same token: the whole family is revoked, the newest included.

One exception, asked for per call with ``grace_seconds`` (the web layer asks for it in
cookie mode only): browser tabs share one cookie jar, so two tabs whose access cookie
expired together present the same refresh token at once.  The token rotated moments ago
whose successor is still live gets an :class:`AccessGrant` (an access token, no refresh
token: the jar already holds the successor), so no second live refresh token ever exists.
Outside the window, or once the successor was itself used or revoked, it is theft.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import NoReturn, overload

from ..errors import (
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    RateLimitedError,
    RefreshTokenReuseError,
)
from ..store.records import (
    RefreshTokenRecord,
    RefreshTokenRepository,
    SessionRecord,
    SessionRepository,
    UnitOfWork,
    UserRecord,
    UserRepository,
)
from ..tokens.issuer import TokenIssuer
from .audit import NO_CONTEXT, Auditor, RequestContext
from .grants import PASSWORD_METHOD, AccessGrant, Authentication, TokenPair, hash_refresh_token
from .passwords import PasswordHasher
from .ratelimit import LoginLimiter
from .revocation import Revoker

log = logging.getLogger("ticketbooth.auth")

__all__ = [
    "PASSWORD_METHOD",
    "AccessGrant",
    "AuthService",
    "Authentication",
    "TokenPair",
    "hash_refresh_token",
]


class AuthService:
    """The authentication flows, over repository protocols and a token issuer.

    Args:
        users: the user repository.
        refresh_tokens: the refresh-token repository.
        issuer: signs access tokens.
        hasher: verifies passwords.
        limiter: failed-login limits.
        refresh_lifetime: seconds a refresh token lives after it is issued.
        auditor: where authentication events are recorded.
        revoker: when given, logout also revokes the user's access tokens.
        sessions: the session records (one per login); without it sessions exist only
            as refresh-token families and ``sid`` claims.
        unit_of_work: opens a transaction that the repository and audit writes made
            inside it join (``Database.session``), so each change and its audit row
            commit together or not at all.  Without it each write is its own transaction.
        second_factors: the second factors a user must still pass after a password
            (none by default); TOTP and passkeys plug in here.
        admit: a last check of a user whose password was right; raises to refuse (the
            accounts feature's verified-address rule).
        now: the clock.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        refresh_tokens: RefreshTokenRepository,
        issuer: TokenIssuer,
        hasher: PasswordHasher,
        limiter: LoginLimiter,
        refresh_lifetime: float,
        auditor: Auditor | None = None,
        revoker: Revoker | None = None,
        sessions: SessionRepository | None = None,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
        second_factors: Callable[[UserRecord], Sequence[str]] | None = None,
        admit: Callable[[UserRecord, RequestContext], None] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._admit = admit
        self._audit = auditor or Auditor(now=now)
        self._sessions = sessions
        self._uow = unit_of_work
        self._second_factors = second_factors
        self._revoker = revoker
        self._users = users
        self._refresh = refresh_tokens
        self.issuer = issuer
        self._hasher = hasher
        self._limiter = limiter
        self._refresh_lifetime = timedelta(seconds=refresh_lifetime)
        self._now = now

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    def login(
        self, username: str, password: str, *, context: RequestContext = NO_CONTEXT
    ) -> TokenPair:
        """Check a password and start a new session (refresh-token family).

        :meth:`authenticate` then :meth:`start_session`.  Blocking (argon2id): call it
        from a worker thread, not an event loop.

        Raises:
            RateLimitedError: too many recent failures for the username or the address.
            InvalidCredentialsError: unknown user, wrong password or disabled user, alike;
                also a correct password whose user still owes a second factor (callers
                that offer one use :meth:`authenticate` instead).
        """
        authentication = self.authenticate(username, password, context=context)
        if authentication.needs_second_factor:
            raise InvalidCredentialsError()
        return self.start_session(authentication.user, authentication.methods, context)

    def authenticate(
        self, username: str, password: str, *, context: RequestContext = NO_CONTEXT
    ) -> Authentication:
        """Check a password; say who it is and which second factors are still owed.

        Starts no session.  Blocking (argon2id).

        Raises:
            RateLimitedError: too many recent failures for the username or the address.
            InvalidCredentialsError: unknown user, wrong password or disabled user, alike.
            TicketboothError: what ``admit`` raises for a right password (accounts: the
                address is unconfirmed); a wrong password stays ``InvalidCredentialsError``.
        """
        address = context.address or "unknown"
        try:
            self._limiter.check(username, address)
        except RateLimitedError as exc:
            self._audit.record(
                "rate_limited",
                "failure",
                username=username,
                context=context,
                retry_after=exc.retry_after,
            )
            raise
        user = self._users.get_by_username(username)
        if user is None:
            self._hasher.verify_dummy(password)
            is_valid = False
        else:
            is_valid = self._hasher.verify(user.password_hash, password)
        if user is None or not is_valid or user.is_disabled:
            self._limiter.record_failure(username, address)
            reason = "unknown_user" if user is None else "disabled" if is_valid else "bad_password"
            self._audit.record(
                "login",
                "failure",
                user_id=user.id if user else None,
                username=username,
                context=context,
                reason=reason,
            )
            raise InvalidCredentialsError()
        if self._admit is not None:
            self._admit(user, context)
        if self._hasher.needs_rehash(user.password_hash):
            self._users.update(user.id, password_hash=self._hasher.hash(password))
        pending = tuple(self._second_factors(user)) if self._second_factors else ()
        return Authentication(user, (PASSWORD_METHOD,), pending)

    def start_session(
        self,
        user: UserRecord,
        methods: Sequence[str],
        context: RequestContext = NO_CONTEXT,
    ) -> TokenPair:
        """Start a session for a user who proved ``methods`` (RFC 8176 ``amr``).

        The session record, its first refresh token and the ``login`` audit row are
        written in one transaction.

        Args:
            user: who logged in (as :meth:`authenticate` returned them).
            methods: how, e.g. ``("pwd",)`` or ``("pwd", "otp")``.
            context: where from (kept on the session and in the audit trail).
        """
        now = self._utcnow()
        session = SessionRecord(
            id=str(uuid.uuid4()),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            ip_address=context.address[:64] if context.address else None,
            user_agent=context.user_agent[:300] if context.user_agent else None,
            amr=tuple(methods),
        )
        token, new = self._mint(user, family_id=session.id, parent=None)
        pair = self._pair(user, token, new, session.amr)
        # The session, its first token and the audit row commit together, just before
        # the answer (signing comes first, so a crash leaves no unanswered session).
        with self._uow():
            if self._sessions is not None:
                self._sessions.add(session)
            self._refresh.add(new)
            self._audit.record("login", user_id=user.id, username=user.username, context=context)
        return pair

    @overload
    def refresh(self, refresh_token: str, *, context: RequestContext = ...) -> TokenPair: ...

    @overload
    def refresh(
        self, refresh_token: str, *, context: RequestContext = ..., grace_seconds: float
    ) -> TokenPair | AccessGrant: ...

    def refresh(
        self,
        refresh_token: str,
        *,
        context: RequestContext = NO_CONTEXT,
        grace_seconds: float = 0.0,
    ) -> TokenPair | AccessGrant:
        """Exchange a refresh token for a new pair, rotating it.

        Args:
            refresh_token: the token the client holds.
            context: where the request came from, for the audit trail.
            grace_seconds: how long after its rotation a token may come back and get an
                :class:`AccessGrant`, while its successor is still live.  0 (the default,
                and the bearer API's rule) treats every second use as theft.  Give more
                only to clients that share one token between concurrent requests, such as
                browser tabs sharing a cookie jar: a thief replaying the token inside the
                window gets one short-lived access token and never a refresh token.

        Raises:
            RefreshTokenReuseError: the token was already rotated (outside the grace
                window, or its successor was used or revoked); its family is revoked.
            InvalidRefreshTokenError: unknown, expired or revoked token, or the user is
                disabled or deleted.
        """
        now = self._utcnow()
        pair = None
        # One transaction (one connection) that the reads join; the audit row goes last.
        with self._uow():
            record = self._refresh.find_by_hash(hash_refresh_token(refresh_token))
            live = record is not None and record.revoked_at is None and record.expires_at > now
            user = self._users.get(record.user_id) if live and record else None
            if record and user and not user.is_disabled:
                token, new = self._mint(user, family_id=record.family_id, parent=record)
                if self._refresh.rotate(record.id, new, now):  # exactly one rotation wins
                    amr = self._sessions.touch(record.family_id, now) if self._sessions else None
                    pair = self._pair(user, token, new, (PASSWORD_METHOD,) if amr is None else amr)
                    self._audit.record(
                        "refresh", user_id=user.id, username=user.username, context=context
                    )
        if pair is not None:
            return pair
        if record is None:
            self._refused(None, context, "unknown")
        if record.revoked_at is not None:
            if record.revoked_reason == "rotated":
                return self._replayed(record, context, grace_seconds)
            self._refused(record, context, "revoked")
        if record.expires_at <= now:
            self._refused(record, context, "expired")
        if user is None or user.is_disabled:
            self._refresh.revoke_family(record.family_id, "user-disabled", now)
            self._refused(record, context, "user_disabled")
        # Another request rotated (or revoked) it first: this is a second use.
        current = self._refresh.get(record.id) if grace_seconds > 0 else None
        return self._replayed(current or record, context, grace_seconds)

    def _replayed(
        self, record: RefreshTokenRecord, context: RequestContext, grace_seconds: float
    ) -> AccessGrant:
        """A rotated token came back: a concurrent tab inside the grace window, or theft."""
        now = self._utcnow()
        if not self._is_in_grace(record, now, grace_seconds):
            self._reuse_detected(record, context)
        user = self._users.get(record.user_id)
        if user is None or user.is_disabled:
            self._refresh.revoke_family(record.family_id, "user-disabled", now)
            self._refused(record, context, "user_disabled")
        access_token, expires_in = self._access(user, record.family_id)
        self._audit.record(
            "refresh", user_id=user.id, username=user.username, context=context, grace=1
        )
        return AccessGrant(access_token=access_token, expires_in=expires_in, user=user)

    def _is_in_grace(self, record: RefreshTokenRecord, now: datetime, grace_seconds: float) -> bool:
        """Rotated less than ``grace_seconds`` ago, and the successor is still live."""
        if grace_seconds <= 0 or record.revoked_reason != "rotated":
            return False
        if record.revoked_at is None or record.replaced_by is None:
            return False
        if now - record.revoked_at >= timedelta(seconds=grace_seconds):
            return False
        successor = self._refresh.get(record.replaced_by)
        return successor is not None and successor.revoked_at is None and successor.expires_at > now

    def _refused(
        self, record: RefreshTokenRecord | None, context: RequestContext, reason: str
    ) -> NoReturn:
        self._audit.record(
            "refresh",
            "failure",
            user_id=record.user_id if record else None,
            context=context,
            reason=reason,
        )
        raise InvalidRefreshTokenError()

    def logout(self, user_id: int, *, context: RequestContext = NO_CONTEXT) -> int:
        """Revoke every refresh token of the user (every login, every device).

        With access-token revocation on, the user's access tokens stop working too.
        The revocations and the audit row commit together.
        """
        now = self._utcnow()
        with self._uow():
            count = self._refresh.revoke_user(user_id, "logout", now)
            if self._sessions is not None:
                self._sessions.revoke_user(user_id, "logout", now)
            if self._revoker is not None:
                self._revoker.revoke_user(user_id)
            self._audit.record("logout", user_id=user_id, context=context, revoked=count)
        return count

    def _reuse_detected(self, record: RefreshTokenRecord, context: RequestContext) -> NoReturn:
        now = self._utcnow()
        with self._uow():
            revoked = self._refresh.revoke_family(record.family_id, "reuse-detected", now)
            if self._sessions is not None:
                self._sessions.revoke(record.family_id, "reuse-detected", now)
            self._audit.record(
                "refresh_reuse",
                "failure",
                user_id=record.user_id,
                context=context,
                family_id=record.family_id,
                revoked=revoked,
            )
        log.warning("refresh token reuse detected; family %s revoked", record.family_id)
        raise RefreshTokenReuseError(record.family_id)

    def _mint(
        self, user: UserRecord, *, family_id: str, parent: RefreshTokenRecord | None
    ) -> tuple[str, RefreshTokenRecord]:
        """A new refresh token and its record (not stored yet)."""
        now = self._utcnow()
        token = secrets.token_urlsafe(32)
        return token, RefreshTokenRecord(
            id=str(uuid.uuid4()),
            user_id=user.id,
            family_id=family_id,
            parent_id=parent.id if parent else None,
            token_hash=hash_refresh_token(token),
            issued_at=now,
            expires_at=now + self._refresh_lifetime,
        )

    def _amr(self, session_id: str) -> tuple[str, ...]:
        """How a session was authenticated (a password, when no record says otherwise)."""
        record = None if self._sessions is None else self._sessions.get(session_id)
        return record.amr if record is not None else (PASSWORD_METHOD,)

    def _access(
        self, user: UserRecord, session_id: str, amr: Sequence[str] | None = None
    ) -> tuple[str, int]:
        """A new access token for ``user`` in a session, and the seconds it lives."""
        access = self.issuer.issue(
            subject=str(user.id),
            name=user.username,
            role=user.role,
            email=user.email,
            session_id=session_id,
            amr=self._amr(session_id) if amr is None else amr,
        )
        return access.token, access.expires_at - int(self._now())

    def _pair(
        self, user: UserRecord, token: str, record: RefreshTokenRecord, amr: Sequence[str]
    ) -> TokenPair:
        access_token, expires_in = self._access(user, record.family_id, amr)
        return TokenPair(
            access_token=access_token,
            expires_in=expires_in,
            refresh_token=token,
            refresh_expires_at=record.expires_at,
            user=user,
        )
