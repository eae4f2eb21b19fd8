"""The second-factor repository: TOTP credentials, recovery codes, pending sign-ins.

Every "once only" rule is a conditional UPDATE whose row count says who won, so two
instances (or two requests) can never both spend the same code, step or try.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from .db import Database, affected
from .mfa_records import ChallengeRecord, TotpRecord
from .models import MfaChallenge, RecoveryCode, TotpCredential


class SqlMfaRepository:
    """Second factors in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get_totp(self, user_id: int) -> TotpRecord | None:
        with self._db.session() as session:
            row = session.get(TotpCredential, user_id)
            if row is None:
                return None
            return TotpRecord(
                user_id=row.user_id,
                secret=row.secret,
                created_at=row.created_at,
                confirmed_at=row.confirmed_at,
                last_step=row.last_step,
            )

    def put_totp(self, user_id: int, secret: bytes, now: datetime) -> None:
        """Store a new, unconfirmed secret in place of any earlier one."""
        with self._db.session() as session:
            session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
            session.add(TotpCredential(user_id=user_id, secret=secret, created_at=now))

    def confirm_totp(self, user_id: int, step: int, now: datetime) -> bool:
        """Enable the pending secret, spending ``step``; False when none is pending."""
        query = (
            update(TotpCredential)
            .where(TotpCredential.user_id == user_id, TotpCredential.confirmed_at.is_(None))
            .values(confirmed_at=now, last_step=step)
        )
        with self._db.session() as session:
            return affected(session.execute(query)) == 1

    def use_step(self, user_id: int, step: int) -> bool:
        """Spend time step ``step``: False when it (or a later one) was already used."""
        query = (
            update(TotpCredential)
            .where(
                TotpCredential.user_id == user_id,
                TotpCredential.confirmed_at.is_not(None),
                or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
            )
            .values(last_step=step)
        )
        with self._db.session() as session:
            return affected(session.execute(query)) == 1

    def delete_totp(self, user_id: int) -> bool:
        """Remove the TOTP secret and every recovery code; False when there was no secret."""
        with self._db.session() as session:
            session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
            return (
                affected(
                    session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
                )
                == 1
            )

    def replace_recovery_codes(self, user_id: int, hashes: list[str], now: datetime) -> None:
        """Void every earlier code and store these."""
        with self._db.session() as session:
            session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
            session.add_all(
                RecoveryCode(code_hash=h, user_id=user_id, created_at=now) for h in hashes
            )

    def use_recovery_code(self, user_id: int, code_hash: str, now: datetime) -> bool:
        """Spend one code; False when it is unknown, another user's or already used."""
        query = (
            update(RecoveryCode)
            .where(
                RecoveryCode.code_hash == code_hash,
                RecoveryCode.user_id == user_id,
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        with self._db.session() as session:
            return affected(session.execute(query)) == 1

    def count_recovery_codes(self, user_id: int) -> int:
        """How many unused recovery codes the user has."""
        query = select(func.count()).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
        with self._db.session() as session:
            return int(session.scalar(query) or 0)

    def add_challenge(self, record: ChallengeRecord) -> None:
        with self._db.session() as session:
            session.add(
                MfaChallenge(
                    token_hash=record.token_hash,
                    user_id=record.user_id,
                    methods=" ".join(record.methods),
                    expires_at=record.expires_at,
                    tries=record.tries,
                )
            )

    def get_challenge(self, token_hash: str) -> ChallengeRecord | None:
        with self._db.session() as session:
            row = session.get(MfaChallenge, token_hash)
            if row is None:
                return None
            return ChallengeRecord(
                token_hash=row.token_hash,
                user_id=row.user_id,
                methods=tuple(row.methods.split()),
                expires_at=row.expires_at,
                tries=row.tries,
                used_at=row.used_at,
            )

    def spend_try(self, token_hash: str, max_tries: int) -> bool:
        """Count one attempt; False once ``max_tries`` were spent or the sign-in ended."""
        query = (
            update(MfaChallenge)
            .where(
                MfaChallenge.token_hash == token_hash,
                MfaChallenge.tries < max_tries,
                MfaChallenge.used_at.is_(None),
            )
            .values(tries=MfaChallenge.tries + 1)
        )
        with self._db.session() as session:
            return affected(session.execute(query)) == 1

    def finish_challenge(self, token_hash: str, now: datetime) -> bool:
        """Mark the sign-in done; False when another request finished it first."""
        query = (
            update(MfaChallenge)
            .where(MfaChallenge.token_hash == token_hash, MfaChallenge.used_at.is_(None))
            .values(used_at=now)
        )
        with self._db.session() as session:
            return affected(session.execute(query)) == 1
