"""RFC 6238 time-based one-time passwords, by ``pyotp``: secrets, codes, time steps.

What is decided here: 6 digits, 30-second steps, SHA-1 (what every authenticator app
reads from an ``otpauth://`` URI), and codes of the previous, current and next step
accepted.  Which step a code belongs to is returned, so the caller can spend it once.
"""

from __future__ import annotations

import hmac
import io

import pyotp
import segno

STEP_SECONDS = 30
"""The TOTP time step (RFC 6238's default, which authenticator apps assume)."""

WINDOW = 1
"""Steps accepted either side of the current one (clock drift between phone and server)."""


def new_secret() -> str:
    """A fresh 160-bit secret, base32 (the RFC 4226 recommended length)."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def qr_svg(uri: str) -> str:
    """``uri`` as a QR code, an SVG document (``segno``)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", xmldecl=False, scale=4, border=2)
    return buffer.getvalue().decode("utf-8")


def current_step(now: float) -> int:
    """The time step ``now`` falls in."""
    return int(now // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    """The code of ``secret`` for time step ``step``."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The step within ±:data:`WINDOW` of ``now`` whose code is ``code``, or None.

    Compared in constant time; a code that is not six ASCII digits matches nothing.
    """
    code = code.strip()
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    step = current_step(now)
    for candidate in range(step + WINDOW, step - WINDOW - 1, -1):
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None
