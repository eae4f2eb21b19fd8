"""Signing keys at rest and over time: encryption, reloading, automatic rotation."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr, field_validator


class KeySettings(BaseModel):
    """``TICKETBOOTH_KEY_ENCRYPTION_KEY``, ``_KEY_RELOAD_SECONDS``, ``_ROTATE_DAYS``."""

    key_reload_seconds: float = Field(5.0, gt=0)
    key_encryption_key: SecretStr | None = None
    rotate_days: float | None = Field(None, gt=0)

    @field_validator("key_encryption_key")
    @classmethod
    def _encryption_key_strength(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be at least 32 bytes; generate one with `openssl rand -hex 32`")
        return value

    @property
    def encryption_key_bytes(self) -> bytes | None:
        """The key-encryption passphrase as UTF-8 bytes, when one is configured."""
        key = self.key_encryption_key
        return None if key is None else key.get_secret_value().encode()
