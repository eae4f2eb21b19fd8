"""Bodies of the ``/api/admin/clients`` routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ...auth.oauth import NewClient
from ...store.client_records import ClientRecord
from ..text import Text
from ._admin import iso
from ._common import _Body

MAX_SCOPES = 50
MAX_PEM = 16_000


class ClientCreate(_Body):
    name: Annotated[Text, Field(min_length=1, max_length=150)]
    scopes: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=200)]], Field(max_length=MAX_SCOPES)
    ] = Field(default_factory=list)
    publicKey: Annotated[Text | None, Field(min_length=1, max_length=MAX_PEM)] = None
    jwksUri: Annotated[Text | None, Field(min_length=1, max_length=2000)] = None


class ClientItem(BaseModel):
    clientId: str
    name: str
    scopes: list[str]
    authMethod: Literal["client_secret", "private_key_jwt"]
    jwksUri: str | None
    state: Literal["active", "disabled"]
    createdAt: str


class ClientWithSecret(ClientItem):
    clientSecret: str | None


def client_item(record: ClientRecord) -> dict[str, object]:
    """One client as the console shows it (never its secret's hash or its key)."""
    return {
        "clientId": record.client_id,
        "name": record.name,
        "scopes": list(record.scopes),
        "authMethod": record.auth_method,
        "jwksUri": record.jwks_uri,
        "state": "disabled" if record.is_disabled else "active",
        "createdAt": iso(record.created_at),
    }


def client_with_secret(new: NewClient) -> dict[str, object]:
    """A client just registered or given a new secret, with the secret (shown this once)."""
    return {**client_item(new.record), "clientSecret": new.secret}
