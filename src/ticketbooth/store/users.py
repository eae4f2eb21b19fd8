"""The user repository."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError
from .db import Database, affected
from .direct import Direct
from .models import User
from .records import UserRecord, normalize


def _record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        email=user.email,
        role=user.role,
        password_hash=user.password_hash,
        is_disabled=user.is_disabled,
        created_at=user.created_at,
        email_verified_at=user.email_verified_at,
    )


_TABLE = cast(Table, User.__table__)
_BY_ID = Direct(select(_TABLE).where(_TABLE.c.id == bindparam("user_id")))
"""A user by id, built once on the table (Core: no ORM identity map or instance)."""


class SqlUserRepository:
    """Users in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, user_id: int) -> UserRecord | None:
        with self._db.read() as session:
            row = _BY_ID.execute(session.connection(), {"user_id": user_id}).first()
            return _record(row) if row else None

    def get_by_username(self, username: str) -> UserRecord | None:
        """The user whose name matches regardless of case (see :func:`normalize`)."""
        query = select(User).where(User.username_normalized == normalize(username))
        with self._db.read() as session:
            user = session.scalar(query)
            return _record(user) if user else None

    def get_by_email(self, email: str) -> UserRecord | None:
        """The user whose address matches regardless of case."""
        with self._db.read() as session:
            user = session.scalar(select(User).where(User.email_normalized == normalize(email)))
            return _record(user) if user else None

    def add(
        self,
        *,
        username: str,
        password_hash: str,
        role: str,
        email: str | None,
        email_verified_at: datetime | None = None,
    ) -> UserRecord:
        """Create a user.

        Raises:
            ConflictError: the username (or the email address), in any case, is taken.
        """
        now = datetime.now(UTC)
        user = User(
            username=username,
            username_normalized=normalize(username),
            email=email,
            email_normalized=normalize(email) if email is not None else None,
            email_verified_at=email_verified_at,
            password_hash=password_hash,
            role=role,
            is_disabled=False,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._db.session() as session:
                session.add(user)
                session.flush()
                return _record(user)
        except IntegrityError as exc:  # the unique indexes decide, even under a race
            raise ConflictError(f"user {username!r} or its email address already exists") from exc

    def set_email_verified(self, user_id: int, email: str, now: datetime) -> bool:
        """Mark the address confirmed, if it is still the user's address."""
        with self._db.session() as session:
            result = session.execute(
                update(User)
                .where(User.id == user_id, User.email_normalized == normalize(email))
                .values(email_verified_at=now, updated_at=now)
            )
            return affected(result) == 1

    def list(self) -> list[UserRecord]:
        with self._db.session() as session:
            return [_record(u) for u in session.scalars(select(User).order_by(User.id))]

    def update(
        self,
        user_id: int,
        *,
        role: str | None = None,
        is_disabled: bool | None = None,
        password_hash: str | None = None,
    ) -> UserRecord | None:
        with self._db.read() as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            if role is not None:
                user.role = role
            if is_disabled is not None:
                user.is_disabled = is_disabled
            if password_hash is not None:
                user.password_hash = password_hash
            user.updated_at = datetime.now(UTC)
            session.flush()
            return _record(user)

    def delete(self, user_id: int) -> bool:
        with self._db.session() as session:
            return bool(affected(session.execute(delete(User).where(User.id == user_id))))
