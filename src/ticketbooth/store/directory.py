"""The user directory: the console's paged, searchable list of users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, type_coerce

from .admin_records import UserSummary
from .db import Database
from .models import LoginSession, Passkey, TotpCredential, User, UTCDateTime
from .records import normalize


def _summary(row: Any) -> UserSummary:
    user: User = row[0]
    return UserSummary(
        id=user.id,
        username=user.username,
        email=user.email,
        is_email_verified=user.email_verified_at is not None,
        role=user.role,
        is_disabled=user.is_disabled,
        created_at=user.created_at,
        has_totp=bool(row.has_totp),
        passkeys=int(row.passkeys or 0),
        last_login_at=row.last_login_at,
    )


class SqlUserDirectory:
    """Users with their second factors and last sign-in, in one query per page."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _query(self) -> Select[User, bool, int, datetime]:
        # The last sign-in is a correlated subquery on the sessions' user index: computed
        # for the page's rows only, not grouped over every session of every user first.
        last_login = (
            select(func.max(LoginSession.created_at))
            .where(LoginSession.user_id == User.id)
            .correlate(User)
            .scalar_subquery()
        )
        passkeys = (
            select(func.count()).where(Passkey.user_id == User.id).correlate(User).scalar_subquery()
        )
        totp = and_(TotpCredential.user_id == User.id, TotpCredential.confirmed_at.is_not(None))
        return select(
            User,
            TotpCredential.user_id.is_not(None).label("has_totp"),
            passkeys.label("passkeys"),
            type_coerce(last_login, UTCDateTime).label("last_login_at"),
        ).outerjoin(TotpCredential, totp)

    def search(self, text: str | None, *, offset: int, limit: int) -> tuple[int, list[UserSummary]]:
        """(how many match, the page by username): ``text`` anywhere in the username or
        the email address, compared in their normalized forms (NFKC, case-folded);
        LIKE's wildcards in ``text`` match themselves."""
        where: ColumnElement[bool] = User.id.is_not(None)
        if text:
            needle = normalize(text)  # as names and addresses are kept unique
            where = or_(
                User.username_normalized.contains(needle, autoescape=True),
                User.email_normalized.contains(needle, autoescape=True),
            )
        count = select(func.count()).select_from(User).where(where)
        query = (
            self._query()
            .where(where)
            .order_by(User.username_normalized, User.id)
            .offset(offset)
            .limit(limit)
        )
        with self._db.read() as session:
            total = int(session.scalar(count) or 0)
            return total, [_summary(row) for row in session.execute(query)]

    def summary(self, user_id: int) -> UserSummary | None:
        with self._db.read() as session:
            row = session.execute(self._query().where(User.id == user_id)).first()
            return _summary(row) if row is not None else None
