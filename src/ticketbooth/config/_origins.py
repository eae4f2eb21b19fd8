"""Settings that list origins (CORS, passkeys): read from the environment, checked once."""

from __future__ import annotations

import json
import re
from typing import Any

ORIGIN = re.compile(r"https?://([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?")


def comma_separated(value: Any) -> Any:
    """A list from the environment's ``a,b,c`` (or a JSON list); other values as given."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


def checked_origins(value: list[str], *, allow_any: bool = False) -> list[str]:
    """``value`` lower-cased, each a ``scheme://host[:port]`` origin (or ``*`` when
    ``allow_any``).

    Raises:
        ValueError: an entry that is not an origin, naming it.
    """
    for origin in value:
        if not (allow_any and origin == "*") and not ORIGIN.fullmatch(origin):
            raise ValueError(
                f"{origin!r} is not an origin: give scheme, host and optional port, "
                "like https://app.example.com (no path, no trailing slash)"
            )
    return [origin.lower() for origin in value]
