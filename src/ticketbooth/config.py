"""Configuration: environment variables (``TICKETBOOTH_*``) over a TOML file.

The TOML file is named by ``TICKETBOOTH_CONFIG`` (default ``./ticketbooth.toml`` when it
exists) and uses the same names without the prefix, in lower case::

    database_url = "postgresql+psycopg://ticketbooth@db/ticketbooth"
    access_minutes = 15

Settings are read at the edge (``web`` and ``cli``) and passed down as plain values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .tokens.errors import ConfigurationError
from .tokens.keys import check_secret

ENV_PREFIX = "TICKETBOOTH_"


def _config_path() -> Path | None:
    named = os.environ.get(ENV_PREFIX + "CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigurationError(f"TICKETBOOTH_CONFIG: no such file {named!r}")
        return path
    default = Path("ticketbooth.toml")
    return default if default.is_file() else None


class Settings(BaseSettings):
    """Every setting of the service.  ``repr`` hides the secret."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    database_url: str = Field("sqlite:///./ticketbooth.db", repr=False)
    secret_key: SecretStr | None = None
    issuer: str = Field("ticketbooth", min_length=1)
    audience: str = Field("ticketbooth-api", min_length=1)
    access_minutes: float = Field(60.0, gt=0)
    refresh_days: float = Field(7.0, gt=0)
    clock_skew_seconds: float = Field(0.0, ge=0)
    algorithm: Literal["HS256", "RS256", "ES256", "EdDSA"] = "HS256"
    redis_url: str | None = Field(None, repr=False)
    login_user_failures: int = Field(10, ge=1)
    login_address_failures: int = Field(100, ge=1)
    login_window_minutes: float = Field(15.0, gt=0)
    trusted_proxies: list[str] = Field(default_factory=list)
    key_reload_seconds: float = Field(5.0, gt=0)
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(20, ge=0)

    @field_validator("secret_key")
    @classmethod
    def _secret_strength(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                check_secret(value.get_secret_value().encode("utf-8"))
            except ConfigurationError as exc:
                raise ValueError(exc.message) from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

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


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning any problem into one line that names the variable.

    Raises:
        ConfigurationError: a value is missing, malformed or unsafe.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ENV_PREFIX + "_".join(str(p) for p in error["loc"][:1]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{name}: {message}") from None
    except ValueError as exc:  # a TOML file that does not parse
        raise ConfigurationError(f"TICKETBOOTH_CONFIG: {exc}") from None
