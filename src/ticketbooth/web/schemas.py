"""Request and response bodies (camelCase on the wire, as the browser client uses)."""

from __future__ import annotations

import math
from datetime import UTC
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ..auth.service import TokenPair
from ..store.records import UserRecord

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


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class LoginRequest(_Body):
    username: Annotated[Credential, Field(min_length=1, max_length=150)]
    password: Annotated[Credential, Field(min_length=1, max_length=1024, repr=False)]
    # Cookie mode (docs/browser.md): tokens go to httpOnly cookies, never to the body.
    useCookies: Annotated[bool, Field(strict=True)] = False


class RefreshRequest(_Body):
    # No length limit: any string that is not a live refresh token is the same 401
    # (API.md), and the 64 KiB body limit bounds it.
    refreshToken: Annotated[RefreshTokenText, Field(repr=False)]


class ProductIn(_Body):
    name: Annotated[Text, Field(min_length=1, max_length=200)]
    # strict: API.md says a number; lax mode would take "12.5" and true.
    price: Annotated[float, Field(ge=0, lt=1e10, strict=True)]

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("price")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return round(value, 2)


class TokenResponse(BaseModel):
    accessToken: str
    refreshToken: str
    tokenType: str = "Bearer"
    expiresIn: int
    expires: str


class CookieSession(BaseModel):
    """A cookie-mode login or refresh: who is signed in; the tokens are in cookies."""

    userId: str
    userName: str
    role: str
    expiresIn: int
    csrfToken: str


class Product(BaseModel):
    id: int
    name: str
    price: float


class MyInfo(BaseModel):
    userId: str
    userName: str
    role: str


class Message(BaseModel):
    message: str


def session_body(user: UserRecord, expires_in: int, csrf_token: str) -> dict[str, object]:
    """The cookie-mode login/refresh response body: the profile, never a token.

    ``csrfToken`` repeats the ``csrf`` cookie for apps on another origin, which cannot
    read this origin's cookies; it is what they echo in ``X-CSRF-Token``.
    """
    return {
        "userId": str(user.id),
        "userName": user.username,
        "role": user.role,
        "expiresIn": expires_in,
        "csrfToken": csrf_token,
    }


def token_body(pair: TokenPair) -> dict[str, object]:
    """The login/refresh response body."""
    expires = pair.refresh_expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "accessToken": pair.access_token,
        "refreshToken": pair.refresh_token,
        "tokenType": "Bearer",
        "expiresIn": pair.expires_in,
        "expires": expires,
    }
