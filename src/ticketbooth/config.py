"""Configuration: environment variables (``TICKETBOOTH_*``) over a TOML file.

The TOML file is named by ``TICKETBOOTH_CONFIG`` (default ``./ticketbooth.toml`` when it
exists) and uses the same names without the prefix, in lower case::

    database_url = "postgresql+psycopg://ticketbooth@db/ticketbooth"
    access_minutes = 15

Teams coming from ASP.NET Core can point ``TICKETBOOTH_APPSETTINGS`` at an
``appsettings.json``: its ``JwtSettings`` section (``SecretKey``, ``Issuer``, ``Audience``,
``ExpirationMinutes``) is read below the environment and the TOML file.

Settings are read at the edge (``web`` and ``cli``) and passed down as plain values.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .tokens.errors import ConfigurationError
from .tokens.keys import check_secret

ENV_PREFIX = "TICKETBOOTH_"
CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_ORIGIN = re.compile(r"https?://([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")


def _config_path() -> Path | None:
    named = os.environ.get(ENV_PREFIX + "CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigurationError(f"TICKETBOOTH_CONFIG: no such file {named!r}")
        return path
    default = Path("ticketbooth.toml")
    return default if default.is_file() else None


APPSETTINGS_MAP = {
    "SecretKey": "secret_key",
    "Issuer": "issuer",
    "Audience": "audience",
    "ExpirationMinutes": "access_minutes",
}
"""ASP.NET ``JwtSettings`` names and the ticketbooth settings they become."""


class AppSettingsJsonSource(PydanticBaseSettingsSource):
    """The ``JwtSettings`` section of an ASP.NET Core ``appsettings.json``."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        try:
            document = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"TICKETBOOTH_APPSETTINGS: cannot read {path}: {exc}"
            ) from None
        section = document.get("JwtSettings") if isinstance(document, dict) else None
        if not isinstance(section, dict):
            raise ConfigurationError(f"TICKETBOOTH_APPSETTINGS: {path} has no JwtSettings section")
        self._values = {
            APPSETTINGS_MAP[name]: value
            for name, value in section.items()
            if name in APPSETTINGS_MAP
        }

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


class Settings(BaseSettings):
    """Every setting of the service.  ``repr`` hides the secret."""

    # An empty variable counts as unset (`TICKETBOOTH_SECRET_KEY=` means "generate one").
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, env_ignore_empty=True
    )

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
    key_encryption_key: SecretStr | None = None
    validation_cache_size: int = Field(10_000, ge=0)
    audit_log: str | None = None  # a file for the audit trail's JSON lines
    revoke_access: bool = False
    revocation_poll_seconds: float = Field(1.0, gt=0)
    rotate_days: float | None = Field(None, gt=0)
    db_pool_size: int = Field(10, ge=1)
    db_max_overflow: int = Field(20, ge=0)
    # Browser sign-in (cookie mode and CORS); docs/browser.md explains each.
    cookie_secure: bool = True  # off only takes effect for http://localhost
    refresh_grace_seconds: float = Field(10.0, ge=0, le=60)  # cookie mode's two-tab window
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    cors_methods: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["GET", "POST", "DELETE"]
    )
    # Deployment shape, read by `serve` (workers) and by `ticketbooth check`.
    workers: int = Field(1, ge=1)  # worker processes `serve` starts by default
    instances: int = Field(1, ge=1)  # service instances sharing the database
    rate_limits: bool = True  # False switches the failed-login limits off
    jwks_consumers: bool = False  # other services verify tokens from the JWKS
    # OAuth 2.0 clients (docs/services.md): the HMAC key their secrets are hashed with.
    client_secret_key: SecretStr | None = None

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

    @field_validator("key_encryption_key")
    @classmethod
    def _encryption_key_strength(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be at least 32 bytes; generate one with `openssl rand -hex 32`")
        return value

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
        appsettings = os.environ.get(ENV_PREFIX + "APPSETTINGS")
        if appsettings:
            sources.append(AppSettingsJsonSource(settings_cls, Path(appsettings)))
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
    def encryption_key_bytes(self) -> bytes | None:
        """The key-encryption passphrase as UTF-8 bytes, when one is configured."""
        key = self.key_encryption_key
        return None if key is None else key.get_secret_value().encode()

    @property
    def client_secret_key_bytes(self) -> bytes | None:
        """The client-secret HMAC key as UTF-8 bytes, when one is configured."""
        key = self.client_secret_key
        return None if key is None else key.get_secret_value().encode()

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
