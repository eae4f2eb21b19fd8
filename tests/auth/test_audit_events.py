"""The audit trail's vocabulary: every event the code records is named in EVENTS, and the
console offers exactly those in its filter."""

from __future__ import annotations

import re
from pathlib import Path

from ticketbooth.auth.audit import EVENTS

SRC = Path(__file__).parents[2] / "src" / "ticketbooth"
RECORDED = re.compile(r"\.record\(\s*\"([a-z_]+)\"")


def test_every_event_the_code_records_is_in_events() -> None:
    recorded = {
        match.group(1)
        for path in SRC.rglob("*.py")
        for match in RECORDED.finditer(path.read_text(encoding="utf-8"))
    }
    assert {"login", "refresh", "totp_enabled", "passkeys_deleted"} <= recorded  # the scan works
    assert recorded - set(EVENTS) == set()


def test_events_are_unique() -> None:
    assert len(set(EVENTS)) == len(EVENTS)


def test_the_console_filter_offers_exactly_the_events() -> None:
    script = (SRC / "web" / "static" / "admin-audit.js").read_text(encoding="utf-8")
    listed = re.search(r"const EVENTS = \[(.*?)\];", script, re.DOTALL)
    assert listed is not None
    names = re.findall(r"\"([a-z_]+)\"", listed.group(1))
    assert len(names) == len(set(names))
    assert set(names) == set(EVENTS)
