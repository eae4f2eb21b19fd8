"""`keys ...`: signing keys, through the key-administration service (each change audited)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..config import load_settings
from ..tokens.keys import ALGORITHMS
from ._base import (
    _fail,
    _services,
    keys_app,
    one_line_errors,
)

# -- keys -------------------------------------------------------------------------------


@keys_app.command("generate")
@one_line_errors
def keys_generate(
    alg: Annotated[str | None, typer.Option(help=f"One of {', '.join(ALGORITHMS)}.")] = None,
) -> None:
    """Make a new key and make it the active signing key at once."""
    settings = load_settings()
    if alg is not None and alg not in ALGORITHMS:
        raise _fail(f"unknown algorithm {alg!r}; use one of {', '.join(ALGORITHMS)}")
    record = _services(settings).keys.generate(alg)
    typer.echo(f"generated {record.alg} key {record.kid}; it signs from now on")
    if "algorithm" in settings.model_fields_set and record.alg != settings.algorithm:
        typer.echo(
            f"warning: TICKETBOOTH_ALGORITHM is {settings.algorithm}; set it to {record.alg} "
            "or the next `serve` will switch back to a new key of that algorithm",
            err=True,
        )


@keys_app.command("rotate")
@one_line_errors
def keys_rotate() -> None:
    """Activate the pre-published next key and publish a new next key."""
    rotated = _services().keys.rotate()
    if rotated is None:
        raise _fail("another process rotated the keys at the same moment; run `keys list`")
    active, upcoming = rotated
    typer.echo(f"active: {active.kid} ({active.alg}); next (published): {upcoming.kid}")


@keys_app.command("retire", context_settings={"ignore_unknown_options": True})
@one_line_errors
def keys_retire(kid: str) -> None:
    """Stop a key verifying: every token it signed fails from now on.

    Key ids may begin with "-" (they are base64url); they are taken as the argument.
    """
    _services().keys.retire(kid)
    typer.echo(f"retired {kid}")


@keys_app.command("list")
@one_line_errors
def keys_list() -> None:
    """List keys with their algorithm and state."""
    svc = _services()
    if svc.keys.uses_env_secret:
        typer.echo(f"{svc.issuer.keys.signing_key.kid}\tHS256\tactive\t(TICKETBOOTH_SECRET_KEY)")
    for record in svc.keys.list():
        created = record.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo(f"{record.kid}\t{record.alg}\t{record.state}\t{created}")
