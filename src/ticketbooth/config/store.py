"""Where state is kept: the database and the optional shared Redis."""

from __future__ import annotations

from pydantic import BaseModel, Field


class StoreSettings(BaseModel):
    """``TICKETBOOTH_DATABASE_URL``, the pool, and ``TICKETBOOTH_REDIS_URL``."""

    database_url: str = Field("sqlite:///./ticketbooth.db", repr=False)
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(20, ge=0)
    redis_url: str | None = Field(None, repr=False)
