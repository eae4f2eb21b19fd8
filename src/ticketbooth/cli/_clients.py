"""`clients ...`: OAuth 2.0 clients (services that get tokens of their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..auth.oauth import ClientAdmin
from ._base import _fail, _services, app, one_line_errors

clients_app = typer.Typer(
    help="Manage OAuth 2.0 clients (service-to-service).", no_args_is_help=True
)
app.add_typer(clients_app, name="clients")


def _admin() -> ClientAdmin:
    admin = _services().clients
    assert admin is not None  # noqa: S101 - built with the services
    return admin


@clients_app.command("add")
@one_line_errors
def clients_add(
    name: str,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="A scope it may ask for (repeatable).")
    ] = None,
    jwks_uri: Annotated[
        str | None, typer.Option(help="Its JWKS URL (private_key_jwt; https, or http://localhost).")
    ] = None,
    public_key: Annotated[
        Path | None, typer.Option(help="A PEM file with its public key (private_key_jwt).")
    ] = None,
) -> None:
    """Register a client; prints client_id and, for a secret client, client_secret (once)."""
    pem = None
    if public_key is not None:
        try:
            pem = public_key.read_bytes()
        except OSError as exc:
            raise _fail(f"cannot read {public_key}: {exc.strerror}") from None
    new = _admin().add(name, scopes=scope or (), public_key_pem=pem, jwks_uri=jwks_uri)
    typer.echo(f"client_id: {new.record.client_id}")
    if new.secret is not None:
        typer.echo(f"client_secret: {new.secret}")
        typer.echo("store the secret now: it is shown only once", err=True)


@clients_app.command("list")
@one_line_errors
def clients_list() -> None:
    """List clients: name, client_id, authentication, scopes, state."""
    for client in _admin().list():
        state = "disabled" if client.is_disabled else "active"
        scopes = " ".join(client.scopes) or "-"
        typer.echo(f"{client.name}\t{client.client_id}\t{client.auth_method}\t{scopes}\t{state}")


@clients_app.command("disable")
@one_line_errors
def clients_disable(name: str) -> None:
    """Disable a client: no new tokens (tokens it holds live until they expire)."""
    _admin().set_disabled(name, is_disabled=True)
    typer.echo(f"client {name} disabled")


@clients_app.command("enable")
@one_line_errors
def clients_enable(name: str) -> None:
    """Enable a disabled client."""
    _admin().set_disabled(name, is_disabled=False)
    typer.echo(f"client {name} enabled")


@clients_app.command("delete")
@one_line_errors
def clients_delete(name: str) -> None:
    """Delete a client."""
    _admin().delete(name)
    typer.echo(f"client {name} deleted")


@clients_app.command("rotate-secret")
@one_line_errors
def clients_rotate_secret(name: str) -> None:
    """A new secret for a secret client (printed once); the old one stops working."""
    new = _admin().rotate_secret(name)
    typer.echo(f"client_id: {new.record.client_id}")
    typer.echo(f"client_secret: {new.secret}")
