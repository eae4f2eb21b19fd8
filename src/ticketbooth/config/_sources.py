"""Where settings come from besides the environment: TOML and ``appsettings.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from ..errors import ConfigurationError

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
