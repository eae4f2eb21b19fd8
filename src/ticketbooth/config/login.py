"""Logins: failed-attempt limits, who counts as a proxy, where the audit trail goes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LoginSettings(BaseModel):
    """Failed-login limits, trusted proxies and the audit log file."""

    login_user_failures: int = Field(10, ge=1)
    login_address_failures: int = Field(100, ge=1)
    login_window_minutes: float = Field(15.0, gt=0)
    rate_limits: bool = True  # False switches the failed-login limits off
    trusted_proxies: list[str] = Field(default_factory=list)
    audit_log: str | None = None  # a file for the audit trail's JSON lines
