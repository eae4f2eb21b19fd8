"""Bodies of the second-factor routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from ._common import _Body


class CodeRequest(_Body):
    code: Annotated[str, Field(min_length=1, max_length=16, repr=False)]


class PasswordRequest(_Body):
    password: Annotated[str, Field(min_length=1, max_length=1024, repr=False)]


class TotpSetupResponse(BaseModel):
    secret: str
    otpauthUri: str
    qrSvg: str


class RecoveryCodes(BaseModel):
    recoveryCodes: list[str]
