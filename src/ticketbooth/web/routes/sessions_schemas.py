"""Bodies of the session routes."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from ...auth.devices import device_name
from ...store.records import SessionRecord


class SessionItem(BaseModel):
    id: str
    createdAt: str
    lastUsedAt: str
    ipAddress: str | None
    userAgent: str | None
    device: str
    current: bool


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def session_item(record: SessionRecord, current_id: str | None) -> dict[str, object]:
    """One entry of ``GET /api/auth/sessions``."""
    return {
        "id": record.id,
        "createdAt": _iso(record.created_at),
        "lastUsedAt": _iso(record.last_used_at),
        "ipAddress": record.ip_address,
        "userAgent": record.user_agent,
        "device": device_name(record.user_agent),
        "current": record.id == current_id,
    }
