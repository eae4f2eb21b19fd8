"""Browser sign-in: cookie mode and CORS (docs/browser.md explains each)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_settings import NoDecode

CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_ORIGIN = re.compile(r"https?://([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")


class BrowserSettings(BaseModel):
    """Cookie mode (``Secure``, the two-tab grace window) and CORS."""

    cookie_secure: bool = True  # off only takes effect for http://localhost
    refresh_grace_seconds: float = Field(10.0, ge=0, le=60)  # cookie mode's two-tab window
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    cors_methods: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["GET", "POST", "DELETE"]
    )

    @field_validator("cors_origins", "cors_methods", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):  # from the environment: a,b,c (or a JSON list)
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: give scheme, host and optional port, "
                    "like https://app.example.com (no path, no trailing slash)"
                )
        return [origin.lower() for origin in value]

    @field_validator("cors_allow_credentials")
    @classmethod
    def _no_credentials_for_everyone(cls, value: bool, info: ValidationInfo) -> bool:
        if value and "*" in info.data.get("cors_origins", []):
            raise ValueError(
                "cannot be on while TICKETBOOTH_CORS_ORIGINS is '*' (any site could act "
                "with the user's cookies); name the origins instead"
            )
        return value

    @field_validator("cors_methods")
    @classmethod
    def _methods(cls, value: list[str]) -> list[str]:
        methods = [method.upper() for method in value]
        unknown = sorted(set(methods) - set(CORS_METHODS))
        if unknown:
            raise ValueError(f"unknown method {unknown[0]!r}; use {', '.join(CORS_METHODS)}")
        return methods
