"""Accounts: sign-up, email verification, password reset and change, invites.

One-time secrets (verification, reset, invite) are 256-bit ``secrets.token_urlsafe``
strings; only their SHA-256 is stored, each is spent by one conditional UPDATE (of
concurrent uses exactly one wins) and each expires.  Every change is written in one
unit of work with its audit row and the mail it causes (the outbox), so a change is
never kept without its mail, nor a mail sent for a change that was rolled back.

No enumeration: register with a registered address, forgot-password and
resend-verification for any address answer alike *after the same work*: one argon2id
hash (register), the same lookups, one or two one-time secrets (a decoy, bound to no
user, where there is nobody to give one to), one outbox mail and one audit row.  An
address that has no account gets a mail saying so, never a link.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from ..errors import (
    ConflictError,
    RegistrationClosedError,
    UnverifiedEmailError,
)
from ..mail.templates import MailTemplates
from ..store.records import (
    OneTimeSecretRecord,
    OneTimeSecretRepository,
    OutboxRepository,
    RefreshTokenRepository,
    SessionRepository,
    UnitOfWork,
    UserRecord,
    UserRepository,
)
from .audit import NO_CONTEXT, Auditor, RequestContext
from .identity import check_email, check_username
from .mfa import MfaStatus
from .one_time import (
    RESET_LIFETIME,
    VERIFY_LIFETIME,
    AccountLimits,
    LinkMailer,
    Profile,
    Registration,
    hash_secret,
    new_secret,
)
from .password_flows import PasswordFlows
from .passwords import PasswordHasher, check_password
from .revocation import Revoker

__all__ = [
    "AccountLimits",
    "AccountService",
    "Profile",
    "hash_secret",
    "verified_address_rule",
]


class AccountService(PasswordFlows):
    """The account flows, over repository protocols.

    Args:
        users, secrets, outbox, refresh_tokens, sessions: the repositories.
        hasher: argon2id.
        templates: renders the mails.
        limits: per-address and per-client limits of the routes that send mail.
        public_url: the base of every link in a mail.
        registration: ``off``, ``open`` or ``invite``.
        unit_of_work: ``Database.session``: a change, its mail and its audit row commit
            together.
        auditor, revoker: as for :class:`~.service.AuthService`.
        factors: a user's second factors (whether TOTP is on, how many recovery codes
            remain); the second-factor feature fills it in.
        passkeys: how many passkeys a user holds; the passkey feature fills it in.
        mail_written: called after a transaction that wrote a mail committed (wakes
            the sender).
        now: the clock.
    """

    def __init__(
        self,
        *,
        users: UserRepository,
        secrets: OneTimeSecretRepository,
        outbox: OutboxRepository,
        refresh_tokens: RefreshTokenRepository,
        sessions: SessionRepository,
        hasher: PasswordHasher,
        templates: MailTemplates,
        limits: AccountLimits,
        public_url: str,
        registration: Registration = "off",
        unit_of_work: UnitOfWork = contextlib.nullcontext,
        auditor: Auditor | None = None,
        revoker: Revoker | None = None,
        factors: Callable[[int], MfaStatus] = lambda _user_id: MfaStatus(False, 0),
        passkeys: Callable[[int], int] = lambda _user_id: 0,
        mail_written: Callable[[], None] = lambda: None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._users = users
        self._secrets = secrets
        self._outbox = outbox
        self._refresh = refresh_tokens
        self._sessions = sessions
        self._hasher = hasher
        self._templates = templates
        self._limits = limits
        self._links = LinkMailer(secrets, outbox, templates, public_url)
        self.registration = registration
        self._uow = unit_of_work
        self._audit = auditor or Auditor(now=now)
        self._revoker = revoker
        self._factors = factors
        self._passkeys = passkeys
        self._mail_written = mail_written
        self._now = now

    # -- sign-up and verification ---------------------------------------------------

    def register(
        self,
        username: str,
        email: str,
        password: str,
        *,
        invite_code: str | None = None,
        context: RequestContext = NO_CONTEXT,
    ) -> None:
        """Sign up; a verification mail goes out.  An address that already has an
        account gets no new one: its owner is mailed instead, and the caller cannot
        tell (the same work is done).  Blocking (argon2id).

        Raises:
            RegistrationClosedError: registration is off, or the invite code is wrong,
                used or expired.
            InvalidFieldError: the username or the address is malformed.
            WeakPasswordError: the password fails the policy.
            TooManyRequestsError: too many sign-ups for the address or from the client.
            ConflictError: the username (in any case) is taken.
        """
        if self.registration == "off":
            self._audit.record("register", "failure", context=context, reason="closed")
            raise RegistrationClosedError()
        check_username(username)
        email = check_email(email)
        check_password(password, username=username)
        self._limits.register.hit(email, context.address or "unknown")
        invite = self._invite(invite_code, context) if self.registration == "invite" else None
        password_hash = self._hasher.hash(password)  # on every path: the same work
        if self._users.get_by_username(username) is not None:
            self._audit.record(
                "register", "failure", username=username, context=context, reason="taken"
            )
            raise ConflictError("The username is taken")
        now = self._utcnow()
        with self._uow():
            existing = self._users.get_by_email(email)
            if invite is not None and not self._secrets.use(invite.id, now):
                raise RegistrationClosedError()
            if existing is not None:
                self._registered_again(existing, email, now, context)
                return
            role = invite.role if invite is not None and invite.role else "User"
            user = self._users.add(
                username=username, password_hash=password_hash, role=role, email=email
            )
            link = self._links.issue("verify", user.id, email, VERIFY_LIFETIME, now)
            self._links.send("verify", email, user.username, link=link, hours="24")
            self._audit.record(
                "register", user_id=user.id, username=user.username, context=context, role=role
            )
        self._mail_written()

    def _registered_again(
        self, user: UserRecord, email: str, now: datetime, context: RequestContext
    ) -> None:
        """The address has an account: mail its owner a way in (two secrets, like the
        new account's row and link), and record it."""
        email = user.email or email  # the owner's own spelling
        reset = self._links.issue("reset", user.id, email, RESET_LIFETIME, now)
        self._links.issue("verify", user.id, email, VERIFY_LIFETIME, now)
        self._links.send("registered", email, user.username, link=reset)
        self._audit.record(
            "register",
            "failure",
            user_id=user.id,
            username=user.username,
            context=context,
            reason="email_registered",
        )

    def _invite(self, code: str | None, context: RequestContext) -> OneTimeSecretRecord:
        record = self._secrets.find("invite", hash_secret(code)) if code else None
        if record is None or record.used_at is not None or record.expires_at <= self._utcnow():
            self._audit.record("register", "failure", context=context, reason="bad_invite")
            raise RegistrationClosedError()
        return record

    def verify_email(self, token: str, *, context: RequestContext = NO_CONTEXT) -> None:
        """Confirm the address a verification link was sent to.

        Raises:
            InvalidLinkError: unknown, used or expired link, or the address changed since.
        """
        record = self._live("verify", token, context)
        now = self._utcnow()
        user_id = record.user_id
        assert user_id is not None  # noqa: S101 - _live refuses decoys
        with self._uow():
            is_spent = self._secrets.use(record.id, now)
            is_verified = is_spent and self._users.set_email_verified(
                user_id, record.email or "", now
            )
            if is_verified:
                self._audit.record("email_verified", user_id=user_id, context=context)
        if not is_spent:
            self._link_refused("verify_email", context, "used")
        if not is_verified:
            self._link_refused("verify_email", context, "email_changed")

    def resend_verification(self, email: str, *, context: RequestContext = NO_CONTEXT) -> None:
        """Mail a new verification link when the address has an unconfirmed account;
        otherwise a mail saying there is nothing to confirm.  Always the same answer.

        Raises:
            InvalidFieldError: the address is malformed.
            TooManyRequestsError: too many requests for the address or from the client.
        """
        email = check_email(email)
        self._limits.resend.hit(email, context.address or "unknown")
        now = self._utcnow()
        with self._uow():
            user = self._users.get_by_email(email)
            if user is not None and not user.is_email_verified and not user.is_disabled:
                email = user.email or email
                link = self._links.issue("verify", user.id, email, VERIFY_LIFETIME, now)
                self._links.send("verify", email, user.username, link=link, hours="24")
            else:
                self._links.issue("verify", None, email, VERIFY_LIFETIME, now)  # a decoy
                self._links.send(
                    "nothing", email, user.username if user else "", link=self._links.public_url
                )
            self._audit.record(
                "verification_sent",
                user_id=user.id if user else None,
                context=context,
                sent=int(user is not None and not user.is_email_verified),
            )
        self._mail_written()

    # -- profile and invites ----------------------------------------------------------

    def profile(self, user_id: int) -> Profile | None:
        """The user's profile, or None when the user is gone."""
        user = self._users.get(user_id)
        if user is None:
            return None
        factors = self._factors(user.id)
        return Profile(
            user=user,
            has_totp=factors.totp,
            recovery_codes=factors.recovery_codes,
            passkeys=self._passkeys(user.id),
        )

    def create_invite(self, *, role: str, days: float) -> str:
        """A new invite code (shown once; only its hash is stored)."""
        now = self._utcnow()
        code, record = new_secret("invite", now, timedelta(days=days), role=role)
        with self._uow():
            self._secrets.add(record)
            self._audit.record("invite_created", role=role, days=int(days))
        return code


def verified_address_rule(auditor: Auditor) -> Callable[[UserRecord, RequestContext], None]:
    """``AuthService``'s ``admit`` check for ``TICKETBOOTH_REQUIRE_VERIFIED_EMAIL``: a user
    with an unconfirmed address is refused after a right password (and audited)."""

    def admit(user: UserRecord, context: RequestContext) -> None:
        if user.email is not None and not user.is_email_verified:
            auditor.record(
                "login",
                "failure",
                user_id=user.id,
                username=user.username,
                context=context,
                reason="email_unverified",
            )
            raise UnverifiedEmailError()

    return admit
