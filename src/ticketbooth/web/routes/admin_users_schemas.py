"""Bodies of the ``/api/admin/users`` routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ...auth.admin import Page
from ...store.admin_records import UserSummary
from ..text import Text
from ._admin import iso
from ._common import _Body


class UserCreate(_Body):
    username: Annotated[Text, Field(min_length=1, max_length=150)]
    password: Annotated[Text, Field(min_length=1, max_length=1024, repr=False)]
    role: Annotated[Text, Field(min_length=1, max_length=50)]
    email: Annotated[Text | None, Field(min_length=1, max_length=320)] = None


class RoleChange(_Body):
    role: Annotated[Text, Field(min_length=1, max_length=50)]


class PasswordChange(_Body):
    password: Annotated[Text, Field(min_length=1, max_length=1024, repr=False)]


class Mfa(BaseModel):
    totp: bool
    passkeys: int


class UserItem(BaseModel):
    id: int
    userName: str
    email: str | None
    emailVerified: bool
    role: str
    state: Literal["active", "disabled"]
    mfa: Mfa
    lastLoginAt: str | None
    createdAt: str


class UserPage(BaseModel):
    items: list[UserItem]
    page: int
    size: int
    total: int


class MfaReset(BaseModel):
    hadTotp: bool


class PasskeysRemoved(BaseModel):
    removed: int


class SessionsEnded(BaseModel):
    ended: int


def user_item(user: UserSummary) -> dict[str, object]:
    """One user as the console shows them."""
    return {
        "id": user.id,
        "userName": user.username,
        "email": user.email,
        "emailVerified": user.is_email_verified,
        "role": user.role,
        "state": "disabled" if user.is_disabled else "active",
        "mfa": {"totp": user.has_totp, "passkeys": user.passkeys},
        "lastLoginAt": iso(user.last_login_at),
        "createdAt": iso(user.created_at),
    }


def user_page(page: Page[UserSummary]) -> dict[str, object]:
    """A page of users."""
    return {
        "items": [user_item(u) for u in page.items],
        "page": page.paging.page,
        "size": page.paging.size,
        "total": page.total,
    }
