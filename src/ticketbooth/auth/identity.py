"""What a username and an email address may look like."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from ..errors import InvalidFieldError

_USERNAME = re.compile(r"[A-Za-z0-9_.@+-]{1,150}")
MAX_EMAIL = 320
MAX_LOCAL_PART = 64  # RFC 5321


def check_username(username: str) -> None:
    """Raises:
    InvalidFieldError: not 1-150 letters, digits and ``_ . @ + -``.
    """
    if not _USERNAME.fullmatch(username):
        raise InvalidFieldError("usernames are 1-150 characters of letters, digits and _ . @ + -")


def check_email(email: str) -> str:
    """The address in its normal spelling (the domain in lower case); syntax only, no DNS.

    Raises:
        InvalidFieldError: with email-validator's one-line reason.
    """
    if len(email) > MAX_EMAIL or len(email.partition("@")[0]) > MAX_LOCAL_PART:
        raise InvalidFieldError("email: the address is too long")
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidFieldError(f"email: {exc}") from None
    return str(result.normalized)
