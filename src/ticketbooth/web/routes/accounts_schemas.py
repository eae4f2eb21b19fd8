"""Bodies of the account routes (camelCase on the wire)."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

from pydantic import BaseModel, Field

from ...auth.accounts import Profile
from ._common import _Body

Email = Annotated[str, Field(min_length=1, max_length=320)]
Password = Annotated[str, Field(min_length=1, max_length=1024, repr=False)]
Secret = Annotated[str, Field(min_length=1, max_length=512, repr=False)]


class RegisterRequest(_Body):
    username: Annotated[str, Field(min_length=1, max_length=150)]
    email: Email
    password: Password
    inviteCode: Annotated[str | None, Field(max_length=512, repr=False)] = None


class TokenRequest(_Body):
    token: Secret


class EmailRequest(_Body):
    email: Email


class ResetPasswordRequest(_Body):
    token: Secret
    newPassword: Password


class ChangePasswordRequest(_Body):
    currentPassword: Password
    newPassword: Password


class Mfa(BaseModel):
    totp: bool
    recoveryCodes: int
    passkeys: int


class Me(BaseModel):
    userId: str
    userName: str
    email: str | None
    emailVerified: bool
    role: str
    mfa: Mfa
    createdAt: str


def me_body(profile: Profile) -> Me:
    user = profile.user
    return Me(
        userId=str(user.id),
        userName=user.username,
        email=user.email,
        emailVerified=user.is_email_verified,
        role=user.role,
        mfa=Mfa(
            totp=profile.has_totp,
            recoveryCodes=profile.recovery_codes,
            passkeys=profile.passkeys,
        ),
        createdAt=user.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    )
