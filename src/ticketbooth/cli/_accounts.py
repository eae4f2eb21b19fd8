"""`invites create` and `mail outbox`."""

from __future__ import annotations

from typing import Annotated

import typer

from ..store.records import ROLES
from ._base import _fail, _services, app, one_line_errors

invites_app = typer.Typer(
    help="Invite codes for TICKETBOOTH_REGISTRATION=invite.", no_args_is_help=True
)
mail_app = typer.Typer(help="The mail outbox.", no_args_is_help=True)
app.add_typer(invites_app, name="invites")
app.add_typer(mail_app, name="mail")


@invites_app.command("create")
@one_line_errors
def invites_create(
    role: Annotated[
        str, typer.Option(help=f"The new account's role: {', '.join(ROLES)}.")
    ] = "User",
    days: Annotated[float, typer.Option(min=0.001, max=365, help="Days the code is good for.")] = 7,
) -> None:
    """Print a new invite code (shown once; only its hash is stored)."""
    if role not in ROLES:
        raise _fail(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    typer.echo(_services().accounts.create_invite(role=role, days=days))


@mail_app.command("outbox")
@one_line_errors
def mail_outbox() -> None:
    """List the mails not delivered yet (never their bodies: they carry links)."""
    pending = _services().outbox.pending()
    if not pending:
        typer.echo("no mail waiting")
        return
    typer.echo(
        f"{'ID':>6}  {'CREATED':20}  {'ATTEMPTS':>8}  {'NEXT TRY':20}  TO / SUBJECT / LAST ERROR"
    )
    for mail in pending:
        next_try = (
            mail.next_attempt_at.strftime("%Y-%m-%dT%H:%M:%SZ") if mail.next_attempt_at else "-"
        )
        typer.echo(
            f"{mail.id:>6}  {mail.created_at.strftime('%Y-%m-%dT%H:%M:%SZ'):20}  "
            f"{mail.attempts:>8}  {next_try:20}  {mail.recipient} / {mail.subject}"
            + (f" / {mail.last_error}" if mail.last_error else "")
        )
