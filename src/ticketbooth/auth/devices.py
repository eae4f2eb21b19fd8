"""Names a session's device for people ("Firefox on Linux"), from its User-Agent.

Parsing is ``ua-parser``'s (the maintained uap-core rules), never a regex of our own.
"""

from __future__ import annotations

import functools

import ua_parser

UNKNOWN = "Unknown device"


@functools.lru_cache(maxsize=256)
def device_name(user_agent: str | None) -> str:
    """ "Browser on OS" ("Safari on iPhone" when the device says more than the OS).

    Falls back to the browser or OS alone, or :data:`UNKNOWN` (no or unknown agent).
    """
    if not user_agent:
        return UNKNOWN
    result = ua_parser.parse(user_agent)
    browser = result.user_agent.family.removeprefix("Mobile ") if result.user_agent else None
    device = result.device.family if result.device and result.device.brand else None
    place = device or (result.os.family if result.os else None)
    if browser and place:
        return f"{browser} on {place}"
    return browser or place or UNKNOWN
