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

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ..errors import ConfigurationError
from ._sources import ENV_PREFIX, AppSettingsJsonSource, _config_path
from .accounts import AccountSettings
from .browser import CORS_METHODS, BrowserSettings
from .deployment import DeploymentSettings
from .keys import KeySettings
from .login import LoginSettings
from .oauth import OAuthSettings
from .passkeys import PasskeySettings
from .sessions import SessionSettings
from .store import StoreSettings
from .tokens import TokenSettings

__all__ = ["CORS_METHODS", "ENV_PREFIX", "Settings", "load_settings"]


class Settings(  # fields come in reverse order of the bases: the database first
    OAuthSettings,
    PasskeySettings,
    AccountSettings,
    DeploymentSettings,
    BrowserSettings,
    SessionSettings,
    LoginSettings,
    KeySettings,
    TokenSettings,
    StoreSettings,
    BaseSettings,
):
    """Every setting of the service, one group per feature.  ``repr`` hides the secret.

    Each group is a model of its own module (``config/tokens.py``, ``config/browser.py``
    ...); a feature adds its group here.  Field names, and so the environment variable
    names (``TICKETBOOTH_`` + the name in upper case), are those of the groups.
    """

    # An empty variable counts as unset (`TICKETBOOTH_SECRET_KEY=` means "generate one").
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, env_ignore_empty=True
    )

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
