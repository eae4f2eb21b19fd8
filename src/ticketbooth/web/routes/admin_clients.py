"""``/api/admin/clients``: OAuth 2.0 clients, listed, registered, disabled, enabled,
deleted and given new secrets (role Admin).

The same operations as ``ticketbooth clients``, each audited with the administrator's
name.  A client secret is in exactly two answers, never cached: the registration of a
secret client and a rotation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ...errors import NotFoundError
from ..responses import JSONResponse
from ..text import Text
from ._admin import AdminPrincipal, actor, admin_route, console
from ._common import NO_STORE
from .admin_clients_schemas import (
    ClientCreate,
    ClientItem,
    ClientWithSecret,
    client_item,
    client_with_secret,
)

admin_clients_router = APIRouter(prefix="/api/admin/clients", tags=["admin"])

MAX_CLIENT_ID = 64
"""A longer id names no client (the column's width)."""
NO_SUCH_CLIENT = "No such client"


def _client_id(client_id: str) -> str:
    if len(client_id) > MAX_CLIENT_ID:
        raise NotFoundError(NO_SUCH_CLIENT)
    return client_id


ClientId = Annotated[Text, Path(description="The client's client_id.")]


@admin_clients_router.get("", response_model=list[ClientItem], **admin_route())
def list_clients(request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """Every client by name (``clients list``): client_id, scopes, authentication
    method (``client_secret`` or ``private_key_jwt``), state and creation date."""
    records = console(request).clients.list()
    return JSONResponse([client_item(r) for r in records], headers=NO_STORE)


@admin_clients_router.post(
    "", status_code=201, response_model=ClientWithSecret, **admin_route(400, 409)
)
def create_client(body: ClientCreate, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Register a client (``clients add``): with neither ``publicKey`` (PEM) nor
    ``jwksUri`` it authenticates with a secret, answered here once as ``clientSecret``
    and stored only hashed.  400 for a bad name, scope, key or URL, 409 when the name
    is taken."""
    new = console(request).clients.create(
        actor(request, admin),
        body.name,
        scopes=body.scopes,
        public_key_pem=body.publicKey,
        jwks_uri=body.jwksUri,
    )
    headers = {**NO_STORE, "Location": f"/api/admin/clients/{new.record.client_id}"}
    return JSONResponse(client_with_secret(new), status_code=201, headers=headers)


@admin_clients_router.get("/{client_id}", response_model=ClientItem, **admin_route(404))
def get_client(client_id: ClientId, request: Request, _admin: AdminPrincipal) -> JSONResponse:
    """One client."""
    record = console(request).clients.get(_client_id(client_id))
    return JSONResponse(client_item(record), headers=NO_STORE)


@admin_clients_router.post("/{client_id}/disable", response_model=ClientItem, **admin_route(404))
def disable_client(client_id: ClientId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Disable the client (``clients disable``): it gets no new tokens; those it holds
    live until they expire."""
    clients = console(request).clients
    record = clients.set_disabled(actor(request, admin), _client_id(client_id), is_disabled=True)
    return JSONResponse(client_item(record))


@admin_clients_router.post("/{client_id}/enable", response_model=ClientItem, **admin_route(404))
def enable_client(client_id: ClientId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """Enable a disabled client (``clients enable``)."""
    clients = console(request).clients
    record = clients.set_disabled(actor(request, admin), _client_id(client_id), is_disabled=False)
    return JSONResponse(client_item(record))


@admin_clients_router.post(
    "/{client_id}/rotate-secret", response_model=ClientWithSecret, **admin_route(404, 409)
)
def rotate_secret(client_id: ClientId, request: Request, admin: AdminPrincipal) -> JSONResponse:
    """A new secret (``clients rotate-secret``), answered here once; the old one is
    refused from now on.  409 for a client that authenticates with a key."""
    new = console(request).clients.rotate_secret(actor(request, admin), _client_id(client_id))
    return JSONResponse(client_with_secret(new), headers=NO_STORE)


@admin_clients_router.delete("/{client_id}", status_code=204, **admin_route(400, 404))
def delete_client(
    client_id: ClientId,
    request: Request,
    admin: AdminPrincipal,
    confirm: Annotated[Text | None, Query(max_length=150, description="The client's name.")] = None,
) -> Response:
    """Delete the client (``clients delete``); tokens it holds live until they expire.
    ``confirm`` must repeat the client's name."""
    clients = console(request).clients
    clients.delete(actor(request, admin), _client_id(client_id), confirm=confirm or "")
    return Response(status_code=204)
