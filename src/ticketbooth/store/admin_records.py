"""Plain values and protocols of the admin console's queries (no SQLAlchemy here).

What the console lists — a page of users with their state, second factor and last
login; a filtered page of audit rows; logins counted per hour — is read in SQL by the
repositories of :mod:`.directory` and :mod:`.audit_query`; ``auth.admin`` depends only
on these protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .records import AuditEvent

CHAIN_START: tuple[int, str] = (0, "0" * 64)
"""Where a walk of the whole audit chain starts: before row 1, at the genesis hash."""


@dataclass(frozen=True, slots=True)
class UserSummary:
    """One row of the console's user table.

    Attributes:
        is_email_verified: the address was confirmed (or typed by an operator).
        has_totp: TOTP is enabled (a confirmed secret).
        passkeys: how many passkeys the user holds.
        last_login_at: when the newest session began, None if the user never signed in.
    """

    id: int
    username: str
    email: str | None
    is_email_verified: bool
    role: str
    is_disabled: bool
    created_at: datetime
    has_totp: bool
    passkeys: int
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit rows to show; every field left None matches everything.

    ``user_id`` and ``username`` select the rows about one user: those naming the id or
    the name (a failed login of an unknown name has no id, a revoked session no name).
    ``since`` is inclusive, ``until`` exclusive.
    """

    user_id: int | None = None
    username: str | None = None
    event: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An audit event with its place in the chain."""

    id: int
    event: AuditEvent


@dataclass(frozen=True, slots=True)
class LoginCount:
    """Sign-ins in one hour: succeeded, failed (password or second factor), rate-limited."""

    hour: datetime
    successes: int = 0
    failures: int = 0
    rate_limited: int = 0


class UserDirectory(Protocol):
    """Users as the console lists them."""

    def search(self, text: str | None, *, offset: int, limit: int) -> tuple[int, list[UserSummary]]:
        """(how many match, the page): ``text`` in the username or email, any case."""
        ...

    def summary(self, user_id: int) -> UserSummary | None: ...


class AuditQuery(Protocol):
    """The audit trail as the console reads it."""

    def page(self, where: AuditFilter, *, offset: int, limit: int) -> tuple[int, list[AuditRow]]:
        """(how many match, the page newest first)."""
        ...

    def logins_per_hour(self, since: datetime, until: datetime) -> list[LoginCount]:
        """Hours in [since, until) that saw a sign-in, oldest first (counted in SQL)."""
        ...
