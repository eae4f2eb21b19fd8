"""Second factors: TOTP (RFC 6238) with recovery codes, and the second step of sign-in.

Nothing is enabled until a code confirms the secret.  Each accepted code spends its
time step with a conditional update in the database, so a code works once per user,
also across instances.  Recovery codes and the sign-in's ``mfaToken`` are random
secrets stored only as SHA-256 digests (they carry enough entropy that a slow hash
adds nothing); a recovery code and an ``mfaToken`` work once.  Wrong codes count
toward the failed-login limits of :class:`~.ratelimit.LoginLimiter`.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import BadRequestError, ConflictError, InvalidCodeError
from ..store.mfa_records import ChallengeRecord, MfaRepository
from ..store.records import UnitOfWork, UserRecord, UserRepository
from . import totp
from .audit import NO_CONTEXT, Auditor, RequestContext
from .passwords import PasswordHasher
from .ratelimit import LoginLimiter
from .sealing import Sealer

TOTP_METHOD = "otp"
"""RFC 8176: a one-time password (the TOTP code) was proven."""

RECOVERY_METHOD = "recovery"
"""How a session that used a recovery code says so in ``amr``."""

METHODS = ("totp", "recovery")
"""What the second step of a sign-in accepts (the login answer's ``methods``)."""

RECOVERY_CODES = 10
CHALLENGE_SECONDS = 300
CHALLENGE_TRIES = 5

INVALID_CODE = "Invalid code"
WRONG_PASSWORD = "The password is incorrect"  # noqa: S105 - a message, not a password
SIGN_IN_OVER = "The sign-in expired or was already used; sign in again"
NOT_ENABLED = "Two-step verification is not enabled"
ALREADY_ENABLED = "Two-step verification is already enabled"
NO_SETUP = "Start the setup first"


@dataclass(frozen=True, slots=True)
class TotpSetup:
    """What the user scans: the secret, its ``otpauth://`` URI and that URI as a QR SVG."""

    secret: str
    uri: str
    qr_svg: str

    def __repr__(self) -> str:
        return "TotpSetup(...)"


@dataclass(frozen=True, slots=True)
class MfaStatus:
    """A user's second factors, as ``/api/auth/me`` shows them."""

    totp: bool
    recovery_codes: int


def hash_secret(value: str) -> str:
    """The SHA-256 hex digest stored for a recovery code or an ``mfaToken``."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def normalize_recovery_code(code: str) -> str:
    """Recovery codes compare without case, dashes or spaces (as people type them)."""
    return "".join(code.split()).replace("-", "").lower()


def _new_recovery_code() -> str:
    raw = secrets.token_hex(6)
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class SecondFactors:
    """TOTP setup and removal, recovery codes, and the second step of a sign-in.

    Args:
        repo: where credentials, codes and pending sign-ins live.
        users: the user repository.
        hasher: checks the password that disabling TOTP and new codes require.
        limiter: the failed-login limits that wrong codes count toward.
        issuer: the name authenticator apps show (``TICKETBOOTH_ISSUER``).
        encryption_key: the key-encryption key; when given, TOTP secrets are sealed.
        auditor: where every change and every second-factor sign-in is recorded.
        unit_of_work: as for :class:`~.service.AuthService`.
        now: the clock.
    """

    def __init__(
        self,
        *,
        repo: MfaRepository,
        users: UserRepository,
        hasher: PasswordHasher,
        limiter: LoginLimiter,
        issuer: str,
        encryption_key: bytes | None = None,
        auditor: Auditor | None = None,
        unit_of_work: UnitOfWork = contextlib.nullcontext,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._repo = repo
        self._users = users
        self._hasher = hasher
        self._limiter = limiter
        self._issuer = issuer
        self._sealer = Sealer(encryption_key, purpose="TOTP secrets") if encryption_key else None
        self._audit = auditor or Auditor(now=now)
        self._uow = unit_of_work
        self._now = now

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)

    # -- state ---------------------------------------------------------------------

    def account(self, user_id: int) -> UserRecord | None:
        """The user ``user_id`` (None when there is none)."""
        return self._users.get(user_id)

    def pending(self, user: UserRecord) -> tuple[str, ...]:
        """The second factors ``user`` owes after a password (AuthService's hook)."""
        record = self._repo.get_totp(user.id)
        return METHODS if record is not None and record.is_enabled else ()

    def status(self, user_id: int) -> MfaStatus:
        """Whether TOTP is on and how many unused recovery codes remain."""
        record = self._repo.get_totp(user_id)
        return MfaStatus(
            totp=record is not None and record.is_enabled,
            recovery_codes=self._repo.count_recovery_codes(user_id),
        )

    # -- setup and removal ---------------------------------------------------------

    def setup_totp(self, user: UserRecord, *, context: RequestContext = NO_CONTEXT) -> TotpSetup:
        """A new secret for ``user``, stored unconfirmed; nothing changes at sign-in yet.

        Raises:
            ConflictError: TOTP is already enabled (disable it first).
        """
        existing = self._repo.get_totp(user.id)
        if existing is not None and existing.is_enabled:
            raise ConflictError(ALREADY_ENABLED)
        secret = totp.new_secret()
        stored = secret.encode("ascii")
        with self._uow():
            self._repo.put_totp(
                user.id, self._sealer.seal(stored) if self._sealer else stored, self._utcnow()
            )
            self._audit.record(
                "totp_setup", user_id=user.id, username=user.username, context=context
            )
        uri = totp.provisioning_uri(secret, user.username, self._issuer)
        return TotpSetup(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))

    def confirm_totp(
        self, user: UserRecord, code: str, *, context: RequestContext = NO_CONTEXT
    ) -> list[str]:
        """Enable TOTP with a code from the app; returns the first recovery codes.

        Raises:
            BadRequestError: no setup is pending, or the code is wrong.
        """
        record = self._repo.get_totp(user.id)
        if record is None or record.is_enabled:
            raise BadRequestError(NO_SETUP if record is None else ALREADY_ENABLED)
        step = totp.matching_step(self._secret(record.secret), code, self._now())
        if step is None:
            self._audit.record(
                "totp_enabled", "failure", user_id=user.id, context=context, reason="bad_code"
            )
            raise BadRequestError(INVALID_CODE)
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        with self._uow():
            if not self._repo.confirm_totp(user.id, step, self._utcnow()):
                raise BadRequestError(ALREADY_ENABLED)
            self._repo.replace_recovery_codes(
                user.id, [hash_secret(normalize_recovery_code(c)) for c in codes], self._utcnow()
            )
            self._audit.record(
                "totp_enabled", user_id=user.id, username=user.username, context=context
            )
        return codes

    def disable_totp(
        self, user: UserRecord, password: str, *, context: RequestContext = NO_CONTEXT
    ) -> None:
        """Turn TOTP off (its recovery codes go with it); needs the password.

        Raises:
            BadRequestError: wrong password, or TOTP is not enabled.
        """
        self._check_password(user, password, "totp_disabled", context)
        with self._uow():
            if not self._repo.delete_totp(user.id):
                raise BadRequestError(NOT_ENABLED)
            self._audit.record(
                "totp_disabled", user_id=user.id, username=user.username, context=context
            )

    def regenerate_recovery_codes(
        self, user: UserRecord, password: str, *, context: RequestContext = NO_CONTEXT
    ) -> list[str]:
        """A new set of recovery codes, the old ones void; needs the password.

        Raises:
            BadRequestError: wrong password, or TOTP is not enabled.
        """
        self._check_password(user, password, "recovery_codes", context)
        if not self.status(user.id).totp:
            raise BadRequestError(NOT_ENABLED)
        codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
        with self._uow():
            self._repo.replace_recovery_codes(
                user.id, [hash_secret(normalize_recovery_code(c)) for c in codes], self._utcnow()
            )
            self._audit.record(
                "recovery_codes", user_id=user.id, username=user.username, context=context
            )
        return codes

    def reset(self, user: UserRecord, *, context: RequestContext = NO_CONTEXT) -> bool:
        """Remove TOTP and recovery codes without a password (``users reset-mfa``).

        Returns whether the user had TOTP.
        """
        with self._uow():
            had = self._repo.delete_totp(user.id)
            self._audit.record(
                "mfa_reset", user_id=user.id, username=user.username, context=context, had=int(had)
            )
        return had

    def _check_password(
        self, user: UserRecord, password: str, event: str, context: RequestContext
    ) -> None:
        address = context.address or "unknown"
        self._limiter.check(user.username, address)
        if not self._hasher.verify(user.password_hash, password):
            self._limiter.record_failure(user.username, address)
            self._audit.record(
                event, "failure", user_id=user.id, context=context, reason="bad_password"
            )
            raise BadRequestError(WRONG_PASSWORD)

    def _secret(self, stored: bytes) -> str:
        return (self._sealer.open(stored) if self._sealer else stored).decode("ascii")

    # -- the second step of a sign-in ----------------------------------------------

    def start_challenge(self, user: UserRecord, methods: tuple[str, ...]) -> str:
        """A single-use ``mfaToken`` for a sign-in whose password checked out.

        It lives :data:`CHALLENGE_SECONDS` and allows :data:`CHALLENGE_TRIES` codes.
        """
        token = secrets.token_urlsafe(32)
        self._repo.add_challenge(
            ChallengeRecord(
                token_hash=hash_secret(token),
                user_id=user.id,
                methods=methods,
                expires_at=self._utcnow() + timedelta(seconds=CHALLENGE_SECONDS),
            )
        )
        return token

    def finish_challenge(
        self,
        mfa_token: str,
        *,
        code: str | None = None,
        recovery_code: str | None = None,
        context: RequestContext = NO_CONTEXT,
    ) -> tuple[UserRecord, tuple[str, ...]]:
        """Check the second factor of a pending sign-in.

        Returns the user and the RFC 8176 methods the session proved
        (``("pwd", "otp")``, or ``("pwd", "recovery")``); start the session with them.

        Raises:
            InvalidCodeError: the code is wrong or used (``Invalid code``), or the
                ``mfaToken`` is unknown, expired, used or out of tries.
            RateLimitedError: too many failed attempts for the user or the address.
        """
        token_hash = hash_secret(mfa_token)
        challenge = self._repo.get_challenge(token_hash)
        user = None if challenge is None else self._users.get(challenge.user_id)
        if challenge is None or user is None or not self._is_open(challenge, user):
            self._refused(challenge, None, context, "sign_in_over")
            raise InvalidCodeError(SIGN_IN_OVER)
        address = context.address or "unknown"
        self._limiter.check(user.username, address)
        if not self._repo.spend_try(token_hash, CHALLENGE_TRIES):
            self._refused(challenge, user, context, "out_of_tries")
            raise InvalidCodeError(SIGN_IN_OVER)
        method = self._check_code(user, code, recovery_code)
        if method is None:
            self._limiter.record_failure(user.username, address)
            self._refused(challenge, user, context, "bad_code")
            raise InvalidCodeError(INVALID_CODE)
        with self._uow():
            if not self._repo.finish_challenge(token_hash, self._utcnow()):
                raise InvalidCodeError(SIGN_IN_OVER)
            self._audit.record(
                "mfa", user_id=user.id, username=user.username, context=context, method=method
            )
            if method == RECOVERY_METHOD:
                self._audit.record(
                    "recovery_code_used",
                    user_id=user.id,
                    username=user.username,
                    context=context,
                    remaining=self._repo.count_recovery_codes(user.id),
                )
        return user, (*challenge.methods, method)

    def _is_open(self, challenge: ChallengeRecord, user: UserRecord) -> bool:
        return (
            challenge.used_at is None
            and challenge.expires_at > self._utcnow()
            and not user.is_disabled
        )

    def _check_code(
        self, user: UserRecord, code: str | None, recovery_code: str | None
    ) -> str | None:
        """The method proven (:data:`TOTP_METHOD` or :data:`RECOVERY_METHOD`), or None."""
        if recovery_code is not None:
            spent = self._repo.use_recovery_code(
                user.id, hash_secret(normalize_recovery_code(recovery_code)), self._utcnow()
            )
            return RECOVERY_METHOD if spent else None
        record = self._repo.get_totp(user.id)
        if code is None or record is None or not record.is_enabled:
            return None
        step = totp.matching_step(self._secret(record.secret), code, self._now())
        if step is None or not self._repo.use_step(user.id, step):
            return None
        return TOTP_METHOD

    def _refused(
        self,
        challenge: ChallengeRecord | None,
        user: UserRecord | None,
        context: RequestContext,
        reason: str,
    ) -> None:
        self._audit.record(
            "mfa",
            "failure",
            user_id=challenge.user_id if challenge else None,
            username=user.username if user else None,
            context=context,
            reason=reason,
        )
