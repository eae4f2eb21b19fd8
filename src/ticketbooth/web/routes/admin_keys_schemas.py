"""Bodies of the ``/api/admin/keys`` routes."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel

from ...auth.admin import KeyListing
from ...store.records import KeyRecord
from ...tokens.keys import ALGORITHMS
from ._admin import iso
from ._common import _Body

Algorithm = Literal["HS256", "RS256", "ES256", "EdDSA"]
assert set(get_args(Algorithm)) == set(ALGORITHMS)  # noqa: S101 - kept in step at import


class KeyGenerate(_Body):
    alg: Algorithm | None = None


class KeyItem(BaseModel):
    kid: str
    alg: str
    state: Literal["next", "active", "retiring", "retired"]
    createdAt: str
    activatedAt: str | None
    retireAfter: str | None
    retiredAt: str | None


class KeyList(BaseModel):
    source: Literal["database", "environment"]
    signingKid: str | None
    keys: list[KeyItem]


class Rotation(BaseModel):
    active: KeyItem
    next: KeyItem


def key_item(record: KeyRecord) -> dict[str, object]:
    """One key with its state and the dates it changed (never its material)."""
    return {
        "kid": record.kid,
        "alg": record.alg,
        "state": record.state,
        "createdAt": iso(record.created_at),
        "activatedAt": iso(record.activated_at),
        "retireAfter": iso(record.retire_after),
        "retiredAt": iso(record.retired_at),
    }


def key_list(listing: KeyListing, signing_kid: str) -> dict[str, object]:
    """Every stored key, oldest first, and which key signs."""
    return {
        "source": "environment" if listing.env_kid else "database",
        "signingKid": signing_kid,
        "keys": [key_item(k) for k in listing.keys],
    }
