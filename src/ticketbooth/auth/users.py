"""User administration: create, list, change role, disable, enable, delete."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from ..errors import (
    ConfigurationError,
    ConflictError,
    InvalidFieldError,
    NotFoundError,
    WeakPasswordError,
)
from ..store.records import (
    ROLES,
    RefreshTokenRepository,
    SessionRepository,
    UserRecord,
    UserRepository,
)
from .audit import Auditor
from .identity import check_email, check_username
from .passwords import PasswordHasher, check_password
from .revocation import Revoker


class UserAdmin:
    """Operations an administrator (or the CLI) performs on users."""

    def __init__(
        self,
        *,
        users: UserRepository,
        refresh_tokens: RefreshTokenRepository,
        hasher: PasswordHasher,
        auditor: Auditor | None = None,
        revoker: Revoker | None = None,
        sessions: SessionRepository | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._audit = auditor or Auditor(now=now)
        self._revoker = revoker
        self._sessions = sessions
        self._users = users
        self._refresh = refresh_tokens
        self._hasher = hasher
        self._now = now

    def add(
        self, username: str, password: str, *, role: str, email: str | None = None
    ) -> UserRecord:
        """Create a user.

        Raises:
            ConfigurationError: the username, role or email is not acceptable.
            WeakPasswordError: the password fails the policy.
            ConflictError: the username or the address, in any case, is taken.
        """
        try:
            check_username(username)
        except InvalidFieldError as exc:
            raise ConfigurationError(exc.message) from None
        if email is not None:
            try:
                email = check_email(email)
            except InvalidFieldError:
                raise ConfigurationError(f"{email!r} is not an email address") from None
        _check_role(role)
        check_password(password, username=username)
        if self._users.get_by_username(username) is not None:
            raise ConflictError(f"user {username!r} already exists")
        if email is not None and self._users.get_by_email(email) is not None:
            raise ConflictError(f"the email address {email!r} is already registered")
        # An operator vouches for the address they type: it counts as confirmed.
        user = self._users.add(
            username=username,
            password_hash=self._hasher.hash(password),
            role=role,
            email=email,
            email_verified_at=self._utcnow() if email is not None else None,
        )
        self._audit.record("user_created", user_id=user.id, username=username, role=role)
        return user

    def find(self, username: str) -> UserRecord:
        """The user with this name.

        Raises:
            NotFoundError: no such user.
        """
        user = self._users.get_by_username(username)
        if user is None:
            raise NotFoundError(f"no user {username!r}")
        return user

    def list(self) -> list[UserRecord]:
        """Every user."""
        return self._users.list()

    def set_role(self, username: str, role: str) -> UserRecord:
        """Change a user's role (new access tokens carry it).

        Raises:
            NotFoundError: no such user.
            ConfigurationError: unknown role.
        """
        _check_role(role)
        user = self._update(username, role=role)
        self._audit.record("role_changed", user_id=user.id, username=username, role=role)
        return user

    def set_password(self, username: str, password: str) -> UserRecord:
        """Set a new password and sign the user out everywhere.

        Raises:
            NotFoundError: no such user.
            WeakPasswordError: the password fails the policy.
        """
        check_password(password, username=username)
        user = self._update(username, password_hash=self._hasher.hash(password))
        self._sign_out(user.id, "password-changed")
        self._audit.record("password_changed", user_id=user.id, username=username)
        return user

    def set_disabled(self, username: str, *, is_disabled: bool) -> UserRecord:
        """Disable (revoking every refresh token) or enable a user.

        Raises:
            NotFoundError: no such user.
        """
        user = self._update(username, is_disabled=is_disabled)
        if is_disabled:
            self._sign_out(user.id, "user-disabled")
        event = "user_disabled" if is_disabled else "user_enabled"
        self._audit.record(event, user_id=user.id, username=username)
        return user

    def delete(self, username: str) -> None:
        """Delete a user and, with them, every refresh token.

        Raises:
            NotFoundError: no such user.
        """
        user = self.find(username)
        if self._revoker is not None:
            self._revoker.revoke_user(user.id)
        self._users.delete(user.id)
        self._audit.record("user_deleted", user_id=user.id, username=username)

    def revoke(self, username: str) -> UserRecord:
        """Sign a user out everywhere: every refresh token, and with access-token
        revocation on, every access token.

        Raises:
            NotFoundError: no such user.
        """
        user = self.find(username)
        self._sign_out(user.id, "admin-revoked")
        self._audit.record("access_revoked", user_id=user.id, username=username)
        return user

    def _sign_out(self, user_id: int, reason: str) -> None:
        now = self._utcnow()
        self._refresh.revoke_user(user_id, reason, now)
        if self._sessions is not None:
            self._sessions.revoke_user(user_id, reason, now)
        if self._revoker is not None:
            self._revoker.revoke_user(user_id)

    def _update(
        self,
        username: str,
        *,
        role: str | None = None,
        is_disabled: bool | None = None,
        password_hash: str | None = None,
    ) -> UserRecord:
        user = self.find(username)
        updated = self._users.update(
            user.id, role=role, is_disabled=is_disabled, password_hash=password_hash
        )
        if updated is None:
            raise NotFoundError(f"no user {username!r}")
        return updated

    def _utcnow(self) -> datetime:
        return datetime.fromtimestamp(self._now(), UTC)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ConfigurationError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")


__all__ = ["UserAdmin", "WeakPasswordError"]
