"""What access and refresh tokens say and how long they live."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from ..errors import ConfigurationError
from ..tokens.keys import check_secret


class TokenSettings(BaseModel):
    """Issuer, audience, lifetimes, clock skew, algorithm and the HMAC secret."""

    secret_key: SecretStr | None = None
    issuer: str = Field("ticketbooth", min_length=1)
    audience: str = Field("ticketbooth-api", min_length=1)
    access_minutes: float = Field(60.0, gt=0)
    refresh_days: float = Field(7.0, gt=0)
    clock_skew_seconds: float = Field(0.0, ge=0)
    algorithm: Literal["HS256", "RS256", "ES256", "EdDSA"] = "HS256"
    validation_cache_size: int = Field(10_000, ge=0)
    jwks_consumers: bool = False  # other services verify tokens from the JWKS

    @field_validator("secret_key")
    @classmethod
    def _secret_strength(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                check_secret(value.get_secret_value().encode("utf-8"))
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    @property
    def access_seconds(self) -> float:
        """Access-token lifetime in seconds."""
        return self.access_minutes * 60

    @property
    def refresh_seconds(self) -> float:
        """Refresh-token lifetime in seconds."""
        return self.refresh_days * 86400

    @property
    def secret_bytes(self) -> bytes | None:
        """The HMAC secret as UTF-8 bytes, when one is configured."""
        return None if self.secret_key is None else self.secret_key.get_secret_value().encode()
