"""What must hold in the database after any fault: read straight from the tables.

* no refresh-token family has two live tokens (the rule that makes reuse detection sound);
* no rotation is half written: a token marked ``rotated`` names a successor that exists,
  in its family, whose parent is that token; every token with a parent was its parent's
  successor (the conditional UPDATE and the INSERT commit together or not at all);
* the audit chain verifies (``ticketbooth audit verify``, the user's own check).
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.servers import run_cli


@dataclass(frozen=True)
class TokenRow:
    id: str
    family_id: str
    parent_id: str | None
    token_hash: str
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    replaced_by: str | None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _utc(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def refresh_rows(database_url: str) -> dict[str, TokenRow]:
    """Every refresh-token row, by id."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            result = connection.execute(
                text(
                    "SELECT id, family_id, parent_id, token_hash, expires_at, revoked_at,"
                    " revoked_reason, replaced_by FROM refresh_tokens"
                )
            )
            rows = [
                TokenRow(
                    id=r.id,
                    family_id=r.family_id,
                    parent_id=r.parent_id,
                    token_hash=r.token_hash,
                    expires_at=_utc(r.expires_at),
                    revoked_at=None if r.revoked_at is None else _utc(r.revoked_at),
                    revoked_reason=r.revoked_reason,
                    replaced_by=r.replaced_by,
                )
                for r in result
            ]
    finally:
        engine.dispose()
    return {row.id: row for row in rows}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def families_with_two_live_tokens(rows: dict[str, TokenRow]) -> list[str]:
    now = datetime.now(UTC)
    live: dict[str, int] = {}
    for row in rows.values():
        if row.is_live(now):
            live[row.family_id] = live.get(row.family_id, 0) + 1
    return sorted(family for family, count in live.items() if count > 1)


def half_written_rotations(rows: dict[str, TokenRow]) -> list[str]:
    """Rows whose rotation is not whole, each with what is wrong."""
    problems = []
    for row in rows.values():
        if row.revoked_reason == "rotated":
            successor = rows.get(row.replaced_by or "")
            if successor is None:
                problems.append(f"{row.id}: rotated, successor {row.replaced_by} missing")
            elif successor.family_id != row.family_id or successor.parent_id != row.id:
                problems.append(f"{row.id}: rotated, successor {successor.id} not its child")
        if row.parent_id is not None:
            parent = rows.get(row.parent_id)
            if parent is None or parent.replaced_by != row.id:
                problems.append(f"{row.id}: child of {row.parent_id}, which did not rotate to it")
    return problems


def was_rotated(rows: dict[str, TokenRow], token: str) -> bool:
    """Whether the database holds ``token`` as rotated (its successor committed)."""
    by_hash = {row.token_hash: row for row in rows.values()}
    row = by_hash.get(token_hash(token))
    return row is not None and row.replaced_by is not None


def assert_refresh_tokens_whole(database_url: str) -> dict[str, TokenRow]:
    rows = refresh_rows(database_url)
    assert rows, "no refresh tokens at all: the scenario did not run"
    assert families_with_two_live_tokens(rows) == []
    assert half_written_rotations(rows) == []
    return rows


def assert_audit_chain_verifies(env: dict[str, str], workdir: Path) -> int:
    """Run ``ticketbooth audit verify``; returns the number of rows it checked."""
    result: subprocess.CompletedProcess[str] = run_cli("audit", "verify", env=env, cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("audit log intact: "), result.stdout
    return int(result.stdout.split(": ", 1)[1].split()[0])


def rotations_without_audit_row(database_url: str) -> int:
    """Committed rotations with no ``refresh`` success row in the audit table.

    The service writes a rotation and its audit row in one transaction, so this is 0
    whatever kills the process or cuts the connection; were they two transactions, a
    fault between them would leave a rotation only the JSON log line records.
    """
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rotated = connection.scalar(
                text("SELECT count(*) FROM refresh_tokens WHERE replaced_by IS NOT NULL")
            )
            audited = connection.scalar(
                text(
                    "SELECT count(*) FROM audit_events"
                    " WHERE event = 'refresh' AND outcome = 'success'"
                )
            )
    finally:
        engine.dispose()
    return int(rotated or 0) - int(audited or 0)
