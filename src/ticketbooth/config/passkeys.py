"""Passkeys (WebAuthn): where the relying party lives (docs/passkeys.md explains each).

The relying-party id and the origin browsers sign come from ``TICKETBOOTH_PUBLIC_URL``,
the address people open; ``TICKETBOOTH_PASSKEY_ORIGINS`` adds origins (another front
end on a subdomain) and ``TICKETBOOTH_PASSKEY_RP_ID`` widens the id to a parent domain.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import NoDecode

from ._origins import checked_origins, comma_separated

_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


class PasskeySettings(BaseModel):
    """The passkey settings that refine ``TICKETBOOTH_PUBLIC_URL`` (``config/accounts.py``).

    Validator names carry the group's prefix: ``Settings`` inherits every group, so a
    validator named like another group's would replace it.
    """

    passkey_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    passkey_rp_id: str | None = None  # default: the host of TICKETBOOTH_PUBLIC_URL
    # POST /api/auth/passkeys/login/options per client address within the window
    passkey_options_requests: int = Field(100, ge=1)
    passkey_options_window_minutes: float = Field(5.0, gt=0)

    @field_validator("passkey_origins", mode="before")
    @classmethod
    def _passkey_origins_list(cls, value: Any) -> Any:
        return comma_separated(value)

    @field_validator("passkey_origins")
    @classmethod
    def _passkey_origins(cls, value: list[str]) -> list[str]:
        return checked_origins(value)

    @field_validator("passkey_rp_id")
    @classmethod
    def _passkey_rp_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        domain = value.strip().lower()
        if not _DOMAIN.fullmatch(domain):
            raise ValueError(f"{value!r} is not a domain name like example.com")
        return domain
