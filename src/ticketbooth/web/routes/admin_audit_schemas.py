"""Bodies of the ``/api/admin/audit`` and ``/api/admin/status`` routes."""

from __future__ import annotations

from pydantic import BaseModel

from ...auth.admin import ChainStatus, Page, Status
from ...store.admin_records import AuditRow, LoginCount
from ._admin import iso


class AuditItem(BaseModel):
    id: int
    at: str
    event: str
    outcome: str
    userId: int | None
    userName: str | None
    address: str | None
    userAgent: str | None
    detail: dict[str, str | int]


class AuditPage(BaseModel):
    items: list[AuditItem]
    page: int
    size: int
    total: int


class Chain(BaseModel):
    intact: bool
    checked: int
    brokenAt: int | None
    reason: str | None


class LoginHour(BaseModel):
    hour: str
    successes: int
    failures: int
    rateLimited: int


class LoginChart(BaseModel):
    hours: list[LoginHour]


class SigningKey(BaseModel):
    kid: str
    source: str
    activatedAt: str | None
    ageSeconds: int | None


class StatusBody(BaseModel):
    database: str
    redis: str
    key: SigningKey
    chain: Chain


def audit_page(page: Page[AuditRow]) -> dict[str, object]:
    """A page of audit events, newest first."""
    items = [
        {
            "id": row.id,
            "at": iso(row.event.at),
            "event": row.event.event,
            "outcome": row.event.outcome,
            "userId": row.event.user_id,
            "userName": row.event.username,
            "address": row.event.address,
            "userAgent": row.event.user_agent,
            "detail": row.event.detail,
        }
        for row in page.items
    ]
    return {"items": items, "page": page.paging.page, "size": page.paging.size, "total": page.total}


def chain_body(chain: ChainStatus) -> dict[str, object]:
    """The chain's verification."""
    return {
        "intact": chain.is_intact,
        "checked": chain.checked,
        "brokenAt": chain.broken_at,
        "reason": chain.reason,
    }


def login_chart(hours: list[LoginCount]) -> dict[str, object]:
    """Sign-ins per hour, oldest first."""
    return {
        "hours": [
            {
                "hour": iso(h.hour),
                "successes": h.successes,
                "failures": h.failures,
                "rateLimited": h.rate_limited,
            }
            for h in hours
        ]
    }


def status_body(status: Status) -> dict[str, object]:
    """The status strip."""
    return {
        "database": status.database,
        "redis": status.redis,
        "key": {
            "kid": status.signing_kid,
            "source": status.key_source,
            "activatedAt": iso(status.key_activated_at),
            "ageSeconds": status.key_age_seconds,
        },
        "chain": chain_body(status.chain),
    }
