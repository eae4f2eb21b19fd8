"""`token decode` and `token mint`."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from ..assembly import build
from ..config import Settings, load_settings
from ..errors import ConfigurationError, InvalidTokenError, NotFoundError
from ..store.db import is_missing_sqlite_file
from ..store.records import ROLES, UserRecord
from ..tokens import _compact
from ..tokens.issuer import TokenIssuer
from ..tokens.keys import Key, KeySet
from ._base import (
    _fail,
    _services,
    one_line_errors,
    token_app,
)

# -- token ------------------------------------------------------------------------------


@token_app.command("decode")
@one_line_errors
def token_decode(token: str) -> None:
    """Print header and claims, and whether each check passes with the configured keys."""
    header, claims = _compact.decode_unverified(token)
    typer.echo(json.dumps({"header": header, "claims": claims}, indent=2))
    validator = _services().validator
    params = validator.params
    failures = 0
    try:
        _compact.decode(token, validator.keys, params.algorithms)
        typer.echo("signature: ok")
    except InvalidTokenError as exc:
        failures += 1
        typer.echo(f"signature: FAILED ({exc.description})")
    for name, check in validator.checks.items():
        try:
            check(claims, params, time.time())
            typer.echo(f"{name}: ok")
        except InvalidTokenError as exc:
            failures += 1
            typer.echo(f"{name}: FAILED ({exc.description})")
    if failures:
        raise typer.Exit(1)


@token_app.command("mint")
@one_line_errors
def token_mint(
    user: Annotated[
        str, typer.Option(help="The `name` claim; an existing user's id becomes `sub`.")
    ] = "developer",
    role: Annotated[
        str | None,
        typer.Option(help=f"One of {', '.join(ROLES)} (default: the user's role, or User)."),
    ] = None,
    claim: Annotated[
        list[str] | None,
        typer.Option("--claim", help="An extra claim k=v (v read as JSON when it parses)."),
    ] = None,
    minutes: Annotated[
        float | None, typer.Option(help="Lifetime (default: TICKETBOOTH_ACCESS_MINUTES).")
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Space-separated scopes (the reserved `scope` claim).")
    ] = None,
) -> None:
    """Sign an access token with the configured active key and print it.

    The token is real: every service that trusts the key accepts it until it expires.
    """
    settings = load_settings()
    lifetime = settings.access_minutes if minutes is None else minutes
    if not lifetime > 0:
        raise _fail("--minutes must be more than 0")
    keys, found = _signing_keys(settings, user)
    role = role or (found.role if found else "User")
    if role not in ROLES:
        raise _fail(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    issued = TokenIssuer(
        keys, issuer=settings.issuer, audience=settings.audience, lifetime=lifetime * 60
    ).issue(
        subject=str(found.id) if found else user,
        name=user,
        role=role,
        email=found.email if found else None,
        scope=scope,
        extra=_parse_claims(claim or []),
    )
    expires = datetime.fromtimestamp(issued.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    typer.echo(
        f"warning: this token is real: signed with the active key {issued.kid}, it admits "
        f"anyone holding it as {user} ({role}) until {expires}",
        err=True,
    )
    if found is None:
        typer.echo(f"note: no user {user!r} in the database; `sub` is the name", err=True)
    typer.echo(issued.token)


def _signing_keys(settings: Settings, user: str) -> tuple[KeySet, UserRecord | None]:
    """The configured keys and the user named, without creating a database or a key."""
    svc = None
    if not is_missing_sqlite_file(settings.database_url):
        try:
            svc = build(settings, prepare=False)
        except ConfigurationError:
            svc = None  # no tables or no active key yet: only an environment secret can sign
    if svc is not None:
        try:
            return svc.issuer.keys, svc.users.find(user)
        except NotFoundError:
            return svc.issuer.keys, None
        finally:
            svc.close()
    if settings.secret_bytes is not None and settings.algorithm == "HS256":
        return KeySet([Key.from_secret(settings.secret_bytes)]), None
    raise _fail(
        "no signing key is configured; run `ticketbooth demo` or `ticketbooth keys generate`, "
        "or set TICKETBOOTH_SECRET_KEY"
    )


def _parse_claims(pairs: list[str]) -> dict[str, object]:
    claims: dict[str, object] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise _fail(f"--claim {pair!r}: use name=value")
        try:
            claims[name] = json.loads(raw)
        except ValueError:
            claims[name] = raw
    return claims
