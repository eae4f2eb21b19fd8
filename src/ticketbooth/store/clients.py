"""OAuth 2.0 clients, used client-assertion ids, and access tokens revoked by ``jti``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError
from .client_records import ClientRecord
from .db import Database, affected
from .models import OAuthClient, RevokedAccessToken, UsedAssertion


def _record(row: OAuthClient) -> ClientRecord:
    return ClientRecord(
        client_id=row.client_id,
        name=row.name,
        scopes=tuple(row.scopes.split()),
        created_at=row.created_at,
        secret_hash=row.secret_hash,
        public_key_pem=row.public_key_pem,
        jwks_uri=row.jwks_uri,
        is_disabled=row.is_disabled,
    )


class SqlClientRepository:
    """Clients in the SQL database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, record: ClientRecord) -> None:
        """Store a new client.

        Raises:
            ConflictError: the name (or, improbably, the id) is taken.
        """
        try:
            with self._db.session() as session:
                session.add(
                    OAuthClient(
                        client_id=record.client_id,
                        name=record.name,
                        secret_hash=record.secret_hash,
                        public_key_pem=record.public_key_pem,
                        jwks_uri=record.jwks_uri,
                        scopes=" ".join(record.scopes),
                        is_disabled=record.is_disabled,
                        created_at=record.created_at,
                    )
                )
                session.flush()  # a taken name fails here, inside a unit of work too
        except IntegrityError as exc:
            raise ConflictError(f"a client named {record.name!r} already exists") from exc

    def get(self, client_id: str) -> ClientRecord | None:
        """The client with this id, or None."""
        with self._db.read() as session:
            row = session.get(OAuthClient, client_id)
            return None if row is None else _record(row)

    def get_by_name(self, name: str) -> ClientRecord | None:
        """The client with this name, or None."""
        with self._db.read() as session:
            row = session.scalars(select(OAuthClient).where(OAuthClient.name == name)).first()
            return None if row is None else _record(row)

    def list(self) -> list[ClientRecord]:
        """Every client, by name."""
        with self._db.read() as session:
            rows = session.scalars(select(OAuthClient).order_by(OAuthClient.name))
            return [_record(row) for row in rows]

    def update(
        self,
        client_id: str,
        *,
        secret_hash: str | None = None,
        is_disabled: bool | None = None,
    ) -> bool:
        """Change the secret's hash or the disabled flag; False for an unknown id."""
        values: dict[str, Any] = {}
        if secret_hash is not None:
            values["secret_hash"] = secret_hash
        if is_disabled is not None:
            values["is_disabled"] = is_disabled
        with self._db.session() as session:
            statement = update(OAuthClient).where(OAuthClient.client_id == client_id)
            return affected(session.execute(statement.values(**values))) > 0

    def delete(self, client_id: str) -> bool:
        """Remove a client; False for an unknown id."""
        with self._db.session() as session:
            statement = delete(OAuthClient).where(OAuthClient.client_id == client_id)
            return affected(session.execute(statement)) > 0


class SqlAssertionReplayRepository:
    """Used client-assertion ids, one row each until the assertion expires."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def claim(self, key: str, expires_at: float, now: float) -> bool:
        """One conditional insert: True for the first use of ``key``, False for a replay.

        The primary key decides between concurrent instances: exactly one insert of a
        key succeeds.  Expired ids are swept in the same transaction (they can no longer
        be replayed: an expired assertion is refused before it gets here), so a token
        request commits once.
        """
        try:
            with self._db.session() as session:
                session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < now))
                session.execute(insert(UsedAssertion).values(key=key, expires_at=expires_at))
        except IntegrityError:
            return False
        return True


class SqlJtiRevocationRepository:
    """Access tokens revoked by ``jti``, kept until they would have expired."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def record_jti(self, jti: str, expires_at: float, now: float) -> None:
        """Revoke one token (again is a no-op, and no error: the call can join a unit of
        work, which a failed insert would fail as a whole)."""
        with self._db.session() as session:
            known = select(RevokedAccessToken.jti).where(RevokedAccessToken.jti == jti)
            if session.execute(known).first() is None:
                session.execute(
                    insert(RevokedAccessToken).values(
                        jti=jti, expires_at=expires_at, recorded_at=now
                    )
                )

    def jtis_since(self, recorded_after: float) -> dict[str, float]:
        """Revocations recorded after a time, as ``{jti: expires_at}``."""
        with self._db.session() as session:
            rows = session.execute(
                select(RevokedAccessToken.jti, RevokedAccessToken.expires_at).where(
                    RevokedAccessToken.recorded_at > recorded_after
                )
            )
            return {jti: expires_at for jti, expires_at in rows}

    def prune_jtis(self, now: float) -> int:
        """Forget revocations of tokens that have expired anyway."""
        with self._db.session() as session:
            statement = delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now)
            return affected(session.execute(statement))
