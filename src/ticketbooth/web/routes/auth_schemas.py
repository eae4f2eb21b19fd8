"""Bodies of the auth routes (camelCase on the wire, as the browser client uses)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from pydantic import BaseModel, Field

from ...auth.service import TokenPair
from ...store.records import UserRecord
from ..text import Credential, RefreshTokenText
from ._common import _Body


class LoginRequest(_Body):
    username: Annotated[Credential, Field(min_length=1, max_length=150)]
    password: Annotated[Credential, Field(min_length=1, max_length=1024, repr=False)]
    # Cookie mode (docs/browser.md): tokens go to httpOnly cookies, never to the body.
    useCookies: Annotated[bool, Field(strict=True)] = False


class RefreshRequest(_Body):
    # No length limit: any string that is not a live refresh token is the same 401
    # (API.md), and the 64 KiB body limit bounds it.
    refreshToken: Annotated[RefreshTokenText, Field(repr=False)]


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
