"""`users sessions`, `users reset-mfa`, `users passkeys` and `users remove-passkeys`:
a user's sessions and second factors."""

from __future__ import annotations

import typer

from ..auth.devices import device_name
from ._base import _services, one_line_errors, users_app


@users_app.command("sessions")
@one_line_errors
def users_sessions(name: str) -> None:
    """List a user's live sessions, newest first (id, created, last used, address, device)."""
    svc = _services()
    user = svc.users.find(name)
    records = svc.sessions.list(user.id)
    for record in records:
        typer.echo(
            "\t".join(
                (
                    record.id,
                    record.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    record.last_used_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    record.ip_address or "-",
                    device_name(record.user_agent),
                    " ".join(record.amr),
                )
            )
        )
    if not records:
        typer.echo(f"{name} has no live sessions")


@users_app.command("reset-mfa")
@one_line_errors
def users_reset_mfa(name: str) -> None:
    """Remove a user's TOTP and recovery codes (they sign in with the password alone)."""
    svc = _services()
    user = svc.users.find(name)
    had = svc.mfa.reset(user)
    typer.echo(f"two-step verification of {name} removed" if had else f"{name} had no TOTP")


@users_app.command("passkeys")
@one_line_errors
def users_passkeys(name: str) -> None:
    """List a user's passkeys, oldest first (name, created, last used)."""
    svc = _services()
    records = svc.passkeys.list(svc.users.find(name).id)
    for record in records:
        used = record.last_used_at
        typer.echo(
            "\t".join(
                (
                    record.name,
                    record.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    used.strftime("%Y-%m-%dT%H:%M:%SZ") if used else "never",
                )
            )
        )
    if not records:
        typer.echo(f"{name} has no passkeys")


@users_app.command("remove-passkeys")
@one_line_errors
def users_remove_passkeys(name: str) -> None:
    """Remove every passkey of a user (a lost or stolen device) and end the sessions one
    signed in; none signs in any more."""
    svc = _services()
    removed = svc.passkeys.remove_all(svc.users.find(name))
    if removed.passkeys:
        typer.echo(
            f"removed {removed.passkeys} passkey{'s' if removed.passkeys != 1 else ''} of "
            f"{name}; ended {removed.sessions} session{'s' if removed.sessions != 1 else ''} "
            "signed in with one"
        )
    else:
        typer.echo(f"{name} had no passkeys")
