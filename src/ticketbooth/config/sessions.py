"""Ending sessions early: access-token revocation and how fast it spreads."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SessionSettings(BaseModel):
    """``TICKETBOOTH_REVOKE_ACCESS`` and ``TICKETBOOTH_REVOCATION_POLL_SECONDS``."""

    revoke_access: bool = False
    revocation_poll_seconds: float = Field(1.0, gt=0)
