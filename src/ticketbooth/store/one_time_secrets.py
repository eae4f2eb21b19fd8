"""The one-time secret repository: verification, reset and invite secrets by hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from .db import Database, affected
from .models import OneTimeSecret
from .records import OneTimeSecretRecord


def _record(row: OneTimeSecret) -> OneTimeSecretRecord:
    return OneTimeSecretRecord(
        id=row.id,
        purpose=row.purpose,
        secret_hash=row.secret_hash,
        user_id=row.user_id,
        email=row.email,
        role=row.role,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


class SqlOneTimeSecretRepository:
    """One-time secrets in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, record: OneTimeSecretRecord) -> None:
        with self._db.session() as session:
            session.add(
                OneTimeSecret(
                    id=record.id,
                    purpose=record.purpose,
                    secret_hash=record.secret_hash,
                    user_id=record.user_id,
                    email=record.email,
                    role=record.role,
                    created_at=record.created_at,
                    expires_at=record.expires_at,
                    used_at=record.used_at,
                )
            )
            session.flush()  # one INSERT per call, never batched with another

    def find(self, purpose: str, secret_hash: str) -> OneTimeSecretRecord | None:
        query = select(OneTimeSecret).where(
            OneTimeSecret.purpose == purpose, OneTimeSecret.secret_hash == secret_hash
        )
        with self._db.session() as session:
            row = session.scalar(query)
            return _record(row) if row else None

    def use(self, secret_id: str, now: datetime) -> bool:
        """Spend a secret: one conditional UPDATE, so of concurrent uses exactly one wins."""
        with self._db.session() as session:
            result = session.execute(
                update(OneTimeSecret)
                .where(
                    OneTimeSecret.id == secret_id,
                    OneTimeSecret.used_at.is_(None),
                    OneTimeSecret.expires_at > now,
                )
                .values(used_at=now)
            )
            return affected(result) == 1

    def retire_for_user(self, user_id: int, purpose: str, now: datetime) -> int:
        """Spend every live secret of a user for ``purpose`` (a reset ends older links)."""
        with self._db.session() as session:
            result = session.execute(
                update(OneTimeSecret)
                .where(
                    OneTimeSecret.user_id == user_id,
                    OneTimeSecret.purpose == purpose,
                    OneTimeSecret.used_at.is_(None),
                )
                .values(used_at=now)
            )
            return affected(result)
