"""Accounts: sign-up, email verification, password reset, and the mail that carries them."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator

SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")


class AccountSettings(BaseModel):
    """Who may sign up, where mail links point and how mail leaves (docs/accounts.md)."""

    public_url: str = "http://127.0.0.1:8000"  # the base of every link in a mail
    smtp_url: str | None = Field(None, repr=False)  # may carry a password
    mail_from: str = "ticketbooth <no-reply@localhost>"
    mail_templates: str | None = None  # a folder whose files override the built-in mails
    registration: Literal["off", "open", "invite"] = "off"
    require_verified_email: bool = False
    # Requests for mail (register, forgot-password, resend-verification) per window:
    account_email_requests: int = Field(5, ge=1)  # per email address
    account_address_requests: int = Field(50, ge=1)  # per client address
    account_window_minutes: float = Field(60.0, gt=0)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL like https://auth.example.com")
        return value.rstrip("/")

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise ValueError(
                "give smtp://[user:pass@]host:port, smtp+starttls://... or smtps://..."
            )
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise ValueError("the port is not a number") from None
        return value
