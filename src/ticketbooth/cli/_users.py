"""`users ...`: manage users."""

from __future__ import annotations

from typing import Annotated

import typer

from ..store.records import ROLES
from ._base import (
    _fail,
    _read_password,
    _services,
    one_line_errors,
    users_app,
)

# -- users ------------------------------------------------------------------------------


@users_app.command("add")
@one_line_errors
def users_add(
    name: str,
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")],
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (creating and migrating the database if needed)."""
    if not password_stdin:
        raise _fail("pass the password on standard input with --password-stdin")
    user = _services().users.add(name, _read_password(), role=role, email=email)
    typer.echo(f"created user {user.username} (id {user.id}, role {user.role})")


@users_app.command("list")
@one_line_errors
def users_list() -> None:
    """List users."""
    for user in _services().users.list():
        state = "disabled" if user.is_disabled else "active"
        typer.echo(f"{user.id}\t{user.username}\t{user.role}\t{user.email or '-'}\t{state}")


@users_app.command("set-role")
@one_line_errors
def users_set_role(name: str, role: str) -> None:
    """Change a user's role (tokens issued from now on carry it)."""
    _services().users.set_role(name, role)
    typer.echo(f"{name} now has role {role}")


@users_app.command("set-password")
@one_line_errors
def users_set_password(
    name: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a new password (signs the user out everywhere)."""
    if not password_stdin:
        raise _fail("pass the password on standard input with --password-stdin")
    _services().users.set_password(name, _read_password())
    typer.echo(f"password of {name} changed; refresh tokens revoked")


@users_app.command("disable")
@one_line_errors
def users_disable(name: str) -> None:
    """Disable a user: no login, no refresh; refresh tokens revoked."""
    _services().users.set_disabled(name, is_disabled=True)
    typer.echo(f"{name} disabled")


@users_app.command("enable")
@one_line_errors
def users_enable(name: str) -> None:
    """Enable a disabled user."""
    _services().users.set_disabled(name, is_disabled=False)
    typer.echo(f"{name} enabled")


@users_app.command("revoke")
@one_line_errors
def users_revoke(name: str) -> None:
    """Sign a user out everywhere (refresh tokens; access tokens with TICKETBOOTH_REVOKE_ACCESS)."""
    svc = _services()
    svc.users.revoke(name)
    scope = "refresh and access tokens" if svc.revoker else "refresh tokens"
    typer.echo(f"{name} signed out everywhere ({scope} revoked)")


@users_app.command("delete")
@one_line_errors
def users_delete(name: str) -> None:
    """Delete a user and every refresh token they hold."""
    _services().users.delete(name)
    typer.echo(f"{name} deleted")
