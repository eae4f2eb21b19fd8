"""The passkey repository: WebAuthn credentials and their single-use challenges.

A challenge is taken by one conditional DELETE whose row count says who won, so a
challenge (and the assertion that signed it) works once, on every instance sharing the
database.  A counter moves forward by one conditional UPDATE in the same way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError
from .db import Database, affected
from .models import Passkey, PasskeyChallenge
from .passkey_records import PasskeyChallengeRecord, PasskeyRecord

DUPLICATE = "This passkey is already registered"


def _record(row: Passkey) -> PasskeyRecord:
    return PasskeyRecord(
        id=row.id,
        user_id=row.user_id,
        credential_id=row.credential_id,
        user_handle=row.user_handle,
        public_key=row.public_key,
        sign_count=row.sign_count,
        transports=tuple(row.transports.split()),
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
    )


class SqlPasskeyRepository:
    """Passkeys in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, record: PasskeyRecord) -> None:
        """Store a new credential.

        Raises:
            ConflictError: a passkey with this credential id exists (any user's).
        """
        try:
            with self._db.session() as session:
                session.add(
                    Passkey(
                        id=record.id,
                        credential_id=record.credential_id,
                        user_id=record.user_id,
                        user_handle=record.user_handle,
                        public_key=record.public_key,
                        sign_count=record.sign_count,
                        transports=" ".join(record.transports),
                        name=record.name,
                        created_at=record.created_at,
                        last_used_at=record.last_used_at,
                    )
                )
                session.flush()
        except IntegrityError as exc:
            raise ConflictError(DUPLICATE) from exc

    def get_by_credential_id(self, credential_id: bytes) -> PasskeyRecord | None:
        query = select(Passkey).where(Passkey.credential_id == credential_id)
        with self._db.read() as session:
            row = session.scalars(query).first()
            return None if row is None else _record(row)

    def list_for_user(self, user_id: int) -> list[PasskeyRecord]:
        """The user's passkeys, oldest first."""
        query = (
            select(Passkey)
            .where(Passkey.user_id == user_id)
            .order_by(Passkey.created_at, Passkey.id)
        )
        with self._db.read() as session:
            return [_record(row) for row in session.scalars(query)]

    def count_for_user(self, user_id: int) -> int:
        query = select(func.count()).where(Passkey.user_id == user_id)
        with self._db.read() as session:
            return int(session.scalar(query) or 0)

    def delete(self, user_id: int, passkey_id: str) -> PasskeyRecord | None:
        """Remove one passkey of the user; None when the user has no such passkey."""
        with self._db.session() as session:
            row = session.get(Passkey, passkey_id)
            if row is None or row.user_id != user_id:
                return None
            record = _record(row)
            query = delete(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user_id)
            return record if affected(session.execute(query)) == 1 else None

    def delete_all(self, user_id: int) -> int:
        """Remove every passkey of the user; returns how many there were."""
        query = delete(Passkey).where(Passkey.user_id == user_id)
        with self._db.session() as session:
            return affected(session.execute(query))

    def use(self, passkey_id: str, sign_count: int, now: datetime) -> bool:
        """Record a sign-in: the counter moves to ``sign_count`` only if that is forward.

        False when the passkey is gone or its counter already reached ``sign_count``
        (a concurrent sign-in, or a cloned authenticator).  Authenticators without a
        counter report 0 every time, and 0 over 0 is accepted.
        """
        forward = Passkey.sign_count < sign_count if sign_count > 0 else Passkey.sign_count == 0
        query = (
            update(Passkey)
            .where(Passkey.id == passkey_id, forward)
            .values(sign_count=sign_count, last_used_at=now)
        )
        with self._db.session() as session:
            return affected(session.execute(query)) == 1

    def add_challenge(self, record: PasskeyChallengeRecord) -> None:
        with self._db.session() as session:
            session.add(
                PasskeyChallenge(
                    challenge_hash=record.challenge_hash,
                    purpose=record.purpose,
                    user_id=record.user_id,
                    user_handle=record.user_handle,
                    expires_at=record.expires_at,
                )
            )

    def take_challenge(
        self, challenge_hash: str, purpose: str, user_id: int | None, now: datetime
    ) -> PasskeyChallengeRecord | None:
        """Spend a live challenge of ``purpose`` (and ``user_id``, for a registration).

        Returns it, or None when it is unknown, expired, another user's or already
        spent; of two requests presenting the same challenge, exactly one gets it.
        """
        where = (
            PasskeyChallenge.challenge_hash == challenge_hash,
            PasskeyChallenge.purpose == purpose,
            PasskeyChallenge.expires_at > now,
            PasskeyChallenge.user_id.is_(None)
            if user_id is None
            else PasskeyChallenge.user_id == user_id,
        )
        with self._db.session() as session:
            row = session.scalars(select(PasskeyChallenge).where(*where)).first()
            if row is None:
                return None
            record = PasskeyChallengeRecord(
                challenge_hash=row.challenge_hash,
                purpose=row.purpose,
                expires_at=row.expires_at,
                user_id=row.user_id,
                user_handle=row.user_handle,
            )
            if affected(session.execute(delete(PasskeyChallenge).where(*where))) != 1:
                return None
            return record

    def purge_challenges(self, now: datetime) -> int:
        """Delete expired challenges; returns how many."""
        query = delete(PasskeyChallenge).where(PasskeyChallenge.expires_at <= now)
        with self._db.session() as session:
            return affected(session.execute(query))
