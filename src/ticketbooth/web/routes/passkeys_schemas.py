"""Bodies of the passkey routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from ...store.passkey_records import PasskeyRecord
from ..text import Text
from ._common import _Body

Credential = Annotated[dict[str, Any], Field(repr=False)]
"""A ``PublicKeyCredential`` as its ``toJSON()`` writes it (checked by the auth layer)."""


class RegisterRequest(_Body):
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    credential: Credential

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        name = " ".join(value.split())
        if not name:
            raise ValueError("give the passkey a name")
        return name


class PasskeyLoginRequest(_Body):
    credential: Credential
    useCookies: Annotated[bool, Field(strict=True)] = False


class RegisteredPasskey(BaseModel):
    id: str
    name: str
    createdAt: str


class PasskeyItem(RegisteredPasskey):
    lastUsedAt: str | None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def registered_body(record: PasskeyRecord) -> dict[str, object]:
    """The answer of ``POST /api/auth/passkeys/register``."""
    return {"id": record.id, "name": record.name, "createdAt": _iso(record.created_at)}


def passkey_item(record: PasskeyRecord) -> dict[str, object]:
    """One entry of ``GET /api/auth/passkeys``."""
    last = record.last_used_at
    return {**registered_body(record), "lastUsedAt": None if last is None else _iso(last)}
