"""``/api/admin/keys``: the signing keys, listed, rotated, generated and retired (role Admin).

The same operations as ``ticketbooth keys``, each audited with the administrator's name;
the serving process reloads its keys at once (other instances within
``TICKETBOOTH_KEY_RELOAD_SECONDS``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ...errors import NotFoundError
from ..responses import JSONResponse
from ..text import Text
from ._admin import AdminPrincipal, actor, admin_route, console
from ._common import NO_STORE, services
from .admin_keys_schemas import KeyGenerate, KeyItem, KeyList, Rotation, key_item, key_list

admin_keys_router = APIRouter(prefix="/api/admin/keys", tags=["admin"])

MAX_KID = 64


@admin_keys_router.get("", response_model=KeyList, **admin_route())
def list_keys(request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """Every stored key, oldest first, with its state (``next``, ``active``,
    ``retiring``, ``retired``) and the dates it changed; ``source`` is ``environment``
    when ``TICKETBOOTH_SECRET_KEY`` signs."""
    listing = console(request).keys.list()
    signing = services(request).issuer.keys.signing_key.kid
    return JSONResponse(key_list(listing, signing), headers=NO_STORE)


@admin_keys_router.post("/rotate", response_model=Rotation, **admin_route(409))
def rotate_keys(request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Activate the published next key and publish a new one (``keys rotate``); the
    previous key keeps verifying until its tokens expire.  409 when the secret comes
    from the environment or another instance rotated at the same moment."""
    active, upcoming = console(request).keys.rotate(actor(request, admin))
    return JSONResponse({"active": key_item(active), "next": key_item(upcoming)})


@admin_keys_router.post("/generate", status_code=201, response_model=KeyItem, **admin_route(409))
def generate_key(
    request: Request, admin: AdminPrincipal, body: KeyGenerate | None = None
) -> JSONResponse:
    """Make a new key (``keys generate [--alg]``) that signs at once; ``alg`` defaults to
    the configured algorithm.  409 when the secret comes from the environment."""
    alg = body.alg if body is not None else None
    record = console(request).keys.generate(actor(request, admin), alg)
    return JSONResponse(key_item(record), status_code=201)


@admin_keys_router.post("/{kid}/retire", status_code=204, **admin_route(404, 409))
def retire_key(
    kid: Annotated[Text, Path(description="The key id.")], request: Request, admin: AdminPrincipal
) -> Response:
    """Stop a key verifying (``keys retire``): every token it signed fails from now on.
    409 for the only active key."""
    if len(kid) > MAX_KID:
        raise NotFoundError("No such key")
    console(request).keys.retire(actor(request, admin), kid)
    return Response(status_code=204)
