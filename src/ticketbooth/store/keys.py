"""The signing-key repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError
from .db import Database, affected
from .models import SigningKey
from .records import KeyRecord


def _record(row: SigningKey) -> KeyRecord:
    return KeyRecord(
        kid=row.kid,
        alg=row.alg,
        state=row.state,
        material=row.material,
        created_at=row.created_at,
        activated_at=row.activated_at,
        retire_after=row.retire_after,
        retired_at=row.retired_at,
    )


class SqlKeyRepository:
    """Signing keys in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self) -> list[KeyRecord]:
        with self._db.session() as session:
            rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at))
            return [_record(row) for row in rows]

    def add(self, record: KeyRecord) -> None:
        """Store a key.

        Raises:
            ConflictError: a key with this kid exists.
        """
        try:
            with self._db.session() as session:
                session.add(
                    SigningKey(
                        kid=record.kid,
                        alg=record.alg,
                        state=record.state,
                        material=record.material,
                        created_at=record.created_at,
                        activated_at=record.activated_at,
                        retire_after=record.retire_after,
                        retired_at=record.retired_at,
                    )
                )
        except IntegrityError as exc:
            raise ConflictError(f"key {record.kid} already exists") from exc

    def set_state(
        self,
        kid: str,
        state: str,
        now: datetime,
        *,
        retire_after: datetime | None = None,
        expect: str | None = None,
    ) -> bool:
        """Move a key to ``state``; with ``expect``, only from that state (atomically)."""
        values: dict[str, object] = {"state": state}
        if state == "active":
            values["activated_at"] = now
        elif state == "retiring":
            values["retire_after"] = retire_after
        elif state == "retired":
            values["retired_at"] = now
        statement = update(SigningKey).where(SigningKey.kid == kid)
        if expect is not None:
            statement = statement.where(SigningKey.state == expect)
        with self._db.session() as session:
            return bool(affected(session.execute(statement.values(**values))))
