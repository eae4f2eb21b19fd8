"""Codes for tests of routes behind two-step sign-in (an authenticator app in one call)."""

from __future__ import annotations

import time

from ..auth import totp


def totp_code(secret: str, *, at: float | None = None, offset: int = 0) -> str:
    """The TOTP code of ``secret`` at ``at`` (default now), ``offset`` steps later.

    The server accepts the previous, current and next step, each code once: after one
    sign-in in a step, ask for ``offset=1`` to sign in again without waiting.
    """
    moment = time.time() if at is None else at
    return totp.code_at(secret, totp.current_step(moment) + offset)
