"""SqlKeyRepository on every engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.store.conftest import NOW
from ticketbooth.store.keys import SqlKeyRepository
from ticketbooth.store.records import KeyRecord
from ticketbooth.tokens.errors import ConflictError


def key_record(kid: str, *, state: str = "active", minutes: int = 0) -> KeyRecord:
    created = NOW + timedelta(minutes=minutes)
    return KeyRecord(
        kid=kid,
        alg="HS256",
        state=state,
        material=b"\x00\xff" + kid.encode() * 16,
        created_at=created,
        activated_at=created if state == "active" else None,
        retire_after=None,
        retired_at=None,
    )


def test_add_and_list_oldest_first(keys: SqlKeyRepository) -> None:
    newer = key_record("k2", minutes=1)
    older = key_record("k1", state="next")
    keys.add(newer)
    keys.add(older)
    assert keys.list() == [older, newer]


def test_material_is_stored_as_bytes(keys: SqlKeyRepository) -> None:
    record = key_record("k1")
    keys.add(record)
    assert keys.list()[0].material == record.material


def test_duplicate_kid_is_a_conflict(keys: SqlKeyRepository) -> None:
    keys.add(key_record("k1"))
    with pytest.raises(ConflictError) as info:
        keys.add(key_record("k1", minutes=5))
    assert "k1" in info.value.message
    assert len(keys.list()) == 1


def test_set_state_records_the_time_of_each_transition(keys: SqlKeyRepository) -> None:
    keys.add(key_record("k1", state="next"))
    later = NOW + timedelta(hours=1)
    retire_after = later + timedelta(hours=2)

    assert keys.set_state("k1", "active", later)
    assert keys.list()[0].activated_at == later
    assert keys.set_state("k1", "retiring", later, retire_after=retire_after)
    assert keys.list()[0].retire_after == retire_after
    assert keys.set_state("k1", "retired", retire_after)
    (record,) = keys.list()
    assert (record.state, record.retired_at) == ("retired", retire_after)


def test_set_state_with_expect_moves_only_from_that_state(keys: SqlKeyRepository) -> None:
    keys.add(key_record("k1"))
    assert keys.set_state("k1", "retiring", NOW, retire_after=NOW, expect="active") is True
    assert keys.set_state("k1", "retiring", NOW, retire_after=NOW, expect="active") is False
    assert keys.set_state("k1", "active", NOW, expect="next") is False
    assert keys.list()[0].state == "retiring"


def test_set_state_of_unknown_kid_is_false(keys: SqlKeyRepository) -> None:
    assert keys.set_state("nope", "retired", NOW) is False
