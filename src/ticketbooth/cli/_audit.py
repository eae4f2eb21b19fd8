"""`audit tail` and `audit verify`."""

from __future__ import annotations

from typing import Annotated

import typer

from ._base import (
    _fail,
    _services,
    audit_app,
    one_line_errors,
)

# -- audit ------------------------------------------------------------------------------


@audit_app.command("tail")
@one_line_errors
def audit_tail(
    user: Annotated[str | None, typer.Option(help="Only this username's events.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many events.")] = 20,
) -> None:
    """Show the newest audit events as JSON lines, oldest first."""
    for event in _services().audit_log.tail(limit, username=user):
        typer.echo(event.as_json())


@audit_app.command("verify")
@one_line_errors
def audit_verify() -> None:
    """Check the audit log's hash chain; name the first row edited, deleted or inserted."""
    count, broken = _services().audit_log.verify()
    if broken is not None:
        raise _fail(f"{broken} (checked {count} rows)")
    typer.echo(f"audit log intact: {count} rows")
