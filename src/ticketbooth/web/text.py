"""Request strings a database can store: the one check every body's text passes.

PostgreSQL refuses NUL in text and UTF-8 has no lone surrogates, while SQLite stores
both: without this check the same body is a 200 on one engine and a 500 on the other.
Each kind of string fails with its own error type, which :mod:`ticketbooth.web.errors`
answers as API.md says for that field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

UNSTORABLE = "unstorable_text"
"""The error type of text no database can store; the error handler answers 422."""
BAD_CREDENTIALS = "bad_credentials"
"""The same for a username or password: the error handler answers 401 Invalid credentials."""
BAD_REFRESH_TOKEN = "bad_refresh_token"  # noqa: S105 - an error type, not a secret
"""The same for a refresh token: 401 Invalid or expired refresh token."""


def _unstorable(value: str) -> str | None:
    """Why ``value`` cannot be stored (PostgreSQL refuses NUL; UTF-8 lone surrogates), or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain lone surrogates"
    return None


unstorable = _unstorable
"""Why a string cannot be stored, or None: for request text outside a pydantic body."""


def _storable(error_type: str) -> AfterValidator:
    """The one check every string of a request body passes, raising ``error_type``."""

    def check(value: str) -> str:
        if (reason := _unstorable(value)) is not None:
            raise PydanticCustomError(error_type, reason)
        return value

    return AfterValidator(check)


Text = Annotated[str, _storable(UNSTORABLE)]
"""A request string; text a database cannot store is a 422."""
Credential = Annotated[str, _storable(BAD_CREDENTIALS)]
"""A username or password: text no user can have is refused as bad credentials."""
RefreshTokenText = Annotated[str, _storable(BAD_REFRESH_TOKEN)]
"""A refresh token: text no refresh token has is refused as an invalid refresh token."""
