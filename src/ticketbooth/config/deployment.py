"""The deployment's shape, read by ``serve`` (workers) and ``ticketbooth check``."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DeploymentSettings(BaseModel):
    """``TICKETBOOTH_WORKERS`` and ``TICKETBOOTH_INSTANCES``."""

    workers: int = Field(1, ge=1)  # worker processes `serve` starts by default
    instances: int = Field(1, ge=1)  # service instances sharing the database
