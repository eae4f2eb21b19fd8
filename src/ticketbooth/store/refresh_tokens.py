"""The refresh-token repository: lookup by hash, atomic rotation, family revocation."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update

from .db import Database, affected
from .direct import Direct
from .models import RefreshToken
from .records import RefreshTokenRecord


def _record(row: RefreshToken) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        id=row.id,
        user_id=row.user_id,
        family_id=row.family_id,
        parent_id=row.parent_id,
        token_hash=row.token_hash,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        replaced_by=row.replaced_by,
    )


def _values(record: RefreshTokenRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "user_id": record.user_id,
        "family_id": record.family_id,
        "parent_id": record.parent_id,
        "token_hash": record.token_hash,
        "issued_at": record.issued_at,
        "expires_at": record.expires_at,
    }


def _row(record: RefreshTokenRecord) -> RefreshToken:
    return RefreshToken(**_values(record))


# The refresh path's statements, built once, on the table (Core: no ORM bookkeeping).
_TABLE = cast(Table, RefreshToken.__table__)
_BY_HASH = Direct(select(_TABLE).where(_TABLE.c.token_hash == bindparam("token_hash")))
_ROTATE = Direct(
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("old_id"),
        _TABLE.c.revoked_at.is_(None),
        _TABLE.c.expires_at > bindparam("now"),
    )
    .values(revoked_at=bindparam("now"), revoked_reason="rotated", replaced_by=bindparam("new_id"))
)
_INSERT = Direct(insert(_TABLE))


class SqlRefreshTokenRepository:
    """Refresh tokens in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, record: RefreshTokenRecord) -> None:
        with self._db.session() as session:
            session.add(_row(record))

    def find_by_hash(self, token_hash: str) -> RefreshTokenRecord | None:
        with self._db.read() as session:
            row = _BY_HASH.execute(session.connection(), {"token_hash": token_hash}).first()
            return _record(row) if row else None

    def get(self, record_id: str) -> RefreshTokenRecord | None:
        with self._db.read() as session:
            row = session.get(RefreshToken, record_id)
            return _record(row) if row else None

    def rotate(self, old_id: str, new: RefreshTokenRecord, now: datetime) -> bool:
        """Revoke ``old_id`` as rotated and store ``new``, in one transaction.

        The conditional UPDATE is the first statement, so exactly one of any number of
        concurrent rotations of the same token (in any number of processes) sees a row
        count of one; the others change nothing and get False.
        """
        with self._db.session() as session:
            connection = session.connection()
            changed = _ROTATE.execute(
                connection, {"old_id": old_id, "now": now, "new_id": new.id}
            ).rowcount
            if changed != 1:
                return False
            # Sent now: an ORM add would wait for a flush, which could come after the
            # audit row and so inside the audit chain's lock.
            _INSERT.execute(connection, _values(new))
            return True

    def revoke_family(self, family_id: str, reason: str, now: datetime) -> int:
        with self._db.session() as session:
            return affected(
                session.execute(
                    update(RefreshToken)
                    .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_reason=reason)
                )
            )

    def revoke_user(self, user_id: int, reason: str, now: datetime) -> int:
        with self._db.session() as session:
            return affected(
                session.execute(
                    update(RefreshToken)
                    .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now, revoked_reason=reason)
                )
            )
