"""Browser sign-in: cookie mode and CORS (docs/browser.md explains each)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_settings import NoDecode

from ._origins import checked_origins, comma_separated

CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


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
        return comma_separated(value)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return checked_origins(value, allow_any=True)

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
