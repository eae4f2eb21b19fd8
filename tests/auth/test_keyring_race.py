"""Automatic rotation with several instances on one database: exactly one rotates."""

from __future__ import annotations

import threading

from tests.auth.conftest import ACCESS_LIFETIME, FakeClock
from ticketbooth.auth.keyring import Keyring
from ticketbooth.store.db import Database
from ticketbooth.store.keys import SqlKeyRepository


def _instance(db: Database, clock: FakeClock) -> Keyring:
    return Keyring(
        SqlKeyRepository(db), algorithm="ES256", token_lifetime=ACCESS_LIFETIME, now=clock.now
    )


def test_exactly_one_instance_rotates_when_due(db: Database, clock: FakeClock) -> None:
    first = _instance(db, clock)
    first.ensure_active()
    first.publish_next()
    before = {r.kid: r.state for r in first.list()}
    instances = [_instance(db, clock) for _ in range(6)]

    assert all(k.rotate_if_due(1.0) is None for k in instances)  # not due yet
    clock.advance(86400 + 1)

    barrier = threading.Barrier(len(instances))
    results: list[object] = []
    lock = threading.Lock()

    def rotate(keyring: Keyring) -> None:
        barrier.wait()
        outcome = keyring.rotate_if_due(1.0)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=rotate, args=(k,)) for k in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    rotated = [r for r in results if r is not None]
    assert len(rotated) == 1
    states = {r.kid: r.state for r in first.list()}
    assert list(states.values()).count("active") == 1
    assert list(states.values()).count("next") == 1
    old_active = next(kid for kid, state in before.items() if state == "active")
    old_next = next(kid for kid, state in before.items() if state == "next")
    assert states[old_active] == "retiring"
    assert states[old_next] == "active"
    # the old key keeps verifying until its tokens expire, then leaves the key set
    assert old_active in {key.kid for key in first.load()}
    clock.advance(ACCESS_LIFETIME + 2)
    assert old_active not in {key.kid for key in first.load()}
