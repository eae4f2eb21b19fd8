"""OAuth clients, used assertion ids and jti revocations, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from ticketbooth.store.client_records import ClientRecord
from ticketbooth.store.clients import (
    SqlAssertionReplayRepository,
    SqlClientRepository,
    SqlJtiRevocationRepository,
)
from ticketbooth.store.db import Database
from ticketbooth.tokens.errors import ConflictError

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def client(name: str = "reports", **changes: object) -> ClientRecord:
    values: dict[str, object] = {
        "client_id": f"id-{name}",
        "name": name,
        "scopes": ("orders:read", "orders:write"),
        "created_at": NOW,
        "secret_hash": "ab" * 32,
    }
    values.update(changes)
    return ClientRecord(**values)  # type: ignore[arg-type]


def test_add_get_list_update_delete(db: Database) -> None:
    repo = SqlClientRepository(db)
    record = client()
    repo.add(record)
    keyed = client("keyed", secret_hash=None, jwks_uri="https://k.example/jwks.json")
    repo.add(keyed)
    assert repo.get(record.client_id) == record
    assert repo.get_by_name("keyed") == keyed
    assert keyed.auth_method == "private_key_jwt"
    assert record.auth_method == "client_secret"
    assert [c.name for c in repo.list()] == ["keyed", "reports"]
    assert repo.update(record.client_id, is_disabled=True, secret_hash="cd" * 32)
    changed = repo.get(record.client_id)
    assert changed is not None
    assert changed.is_disabled
    assert changed.secret_hash == "cd" * 32
    assert not repo.update("nobody", is_disabled=True)
    assert repo.delete(record.client_id)
    assert not repo.delete(record.client_id)
    assert repo.get(record.client_id) is None
    assert repo.get_by_name("nobody") is None


def test_a_taken_name_is_a_conflict(db: Database) -> None:
    repo = SqlClientRepository(db)
    repo.add(client())
    with pytest.raises(ConflictError) as refused:
        repo.add(client(client_id="another-id"))
    assert refused.value.message == "a client named 'reports' already exists"


def test_a_taken_name_is_a_conflict_inside_a_unit_of_work_too(db: Database) -> None:
    """As when two admins register one name at once: the check before the insert passes
    for both, and the second insert fails in the unit, not at its commit."""
    repo = SqlClientRepository(db)
    repo.add(client())
    with pytest.raises(ConflictError) as refused, db.session():
        repo.add(client(client_id="another-id"))
    assert refused.value.message == "a client named 'reports' already exists"
    assert [c.client_id for c in repo.list()] == ["id-reports"]


def test_repr_hides_the_hash() -> None:
    assert "ab" * 32 not in repr(client())


def test_an_assertion_id_is_claimed_once(db: Database) -> None:
    replays = SqlAssertionReplayRepository(db)
    assert replays.claim("k1", expires_at=100.0, now=50.0)
    assert not replays.claim("k1", expires_at=100.0, now=60.0)
    assert replays.claim("k2", expires_at=100.0, now=60.0)
    # once expired it is swept (an expired assertion is refused before it gets here)
    assert replays.claim("k1", expires_at=300.0, now=200.0)


def test_concurrent_claims_of_one_id_let_exactly_one_through(db: Database) -> None:
    replays = SqlAssertionReplayRepository(db)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        results.append(replays.claim("same", expires_at=100.0, now=50.0))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_jti_revocations(db: Database) -> None:
    jtis = SqlJtiRevocationRepository(db)
    jtis.record_jti("a", expires_at=100.0, now=10.0)
    jtis.record_jti("a", expires_at=100.0, now=11.0)  # again: a no-op
    jtis.record_jti("b", expires_at=300.0, now=20.0)
    assert jtis.jtis_since(0.0) == {"a": 100.0, "b": 300.0}
    assert jtis.jtis_since(15.0) == {"b": 300.0}
    assert jtis.prune_jtis(now=200.0) == 1
    assert jtis.jtis_since(0.0) == {"b": 300.0}


def test_revoking_a_jti_again_inside_a_unit_of_work_keeps_the_unit(db: Database) -> None:
    jtis = SqlJtiRevocationRepository(db)
    jtis.record_jti("c", expires_at=100.0, now=10.0)
    with db.session():  # as OAuthService.revoke does: the revocation and its audit row
        jtis.record_jti("c", expires_at=100.0, now=12.0)
        jtis.record_jti("d", expires_at=200.0, now=12.0)
    assert jtis.jtis_since(0.0) == {"c": 100.0, "d": 200.0}
