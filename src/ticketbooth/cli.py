"""The ``ticketbooth`` command: a thin shell over ``auth``, ``store`` and ``tokens``.

Every command prints one line to standard error and exits non-zero on failure.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from . import doctor
from .assembly import Services, build
from .config import ENV_PREFIX, Settings, load_settings
from .logs import configure_logging
from .store.db import Database, is_missing_sqlite_file
from .store.keys import SqlKeyRepository
from .store.records import ROLES, UserRecord
from .tokens import _compact
from .tokens.claims import CHECKS
from .tokens.errors import ConfigurationError, InvalidTokenError, NotFoundError, TicketboothError
from .tokens.issuer import TokenIssuer
from .tokens.keys import ALGORITHMS, Key, KeySet

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="ticketbooth: JWT authentication service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage signing keys.", no_args_is_help=True)
token_app = typer.Typer(help="Inspect and mint tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(token_app, name="token")
audit_app = typer.Typer(help="Read and verify the audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

DEMO_PRODUCTS = (("Laptop", 999.99), ("Headphones", 149.5), ("Coffee mug", 12.0))


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def one_line_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn ticketbooth errors into ``error: ...`` on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except TicketboothError as exc:
            raise _fail(exc.message) from None
        finally:
            while _opened:
                _opened.pop().close()

    return wrapper


_opened: list[Services] = []  # closed when the command returns, so no connection leaks


def _services(settings: Settings | None = None) -> Services:
    settings = settings or load_settings()
    configure_logging(settings, to_stderr=False)
    services = build(settings)
    _opened.append(services)
    return services


def _read_password() -> str:
    data = sys.stdin.read()
    return data[:-1] if data.endswith("\n") else data


# -- serve ------------------------------------------------------------------------------


@app.command()
@one_line_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: TICKETBOOTH_WORKERS, or 1)."),
    ] = None,
) -> None:
    """Run the HTTP service (migrates the database and creates a key on first run)."""
    import uvicorn

    from .web.app import create_app

    settings = load_settings()
    configure_logging(settings, to_stderr=True)
    workers = workers or settings.workers
    services = build(settings, switch_algorithm=True)
    typer.echo(
        f"ticketbooth: {settings.algorithm} signing key {services.issuer.keys.signing_key.kid}, "
        f"listening on http://{host}:{port}",
        err=True,
    )
    if workers == 1:
        uvicorn.run(create_app(services=services), host=host, port=port, log_level="warning")
        return
    services.close()
    uvicorn.run(
        "ticketbooth.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
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


# -- demo -------------------------------------------------------------------------------


@app.command()
@one_line_errors
def demo(
    host: Annotated[str, typer.Option(help="Host for the printed curl line.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the printed curl line.")] = 8000,
) -> None:
    """First run: database, signing key, users admin and john, a few products.

    Passwords are random, printed once here and stored only as argon2id hashes; running
    demo again gives the two demo users new passwords.
    """
    svc = _services()
    passwords: dict[str, str] = {}
    for name, role in (("admin", "Admin"), ("john", "User")):
        password = secrets.token_urlsafe(12)
        if svc.users.list() and any(u.username == name for u in svc.users.list()):
            svc.users.set_password(name, password)
        else:
            svc.users.add(name, password, role=role, email=f"{name}@example.com")
        passwords[name] = password
    if not svc.products.list():
        for product, price in DEMO_PRODUCTS:
            svc.products.add(product, price)
    base = f"http://{host}:{port}"
    typer.echo("Demo users (passwords are shown only now):")
    for name, password in passwords.items():
        typer.echo(f"  {name:6} {password}")
    body = json.dumps({"username": "john", "password": passwords["john"]})
    typer.echo("Log in:")
    typer.echo(
        f"  curl -s -X POST {base}/api/auth/login -H 'Content-Type: application/json' -d '{body}'"
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
    svc = _services(settings)
    record = svc.keyring.generate(alg)
    svc.auditor.record("key_generated", kid=record.kid, alg=record.alg)
    typer.echo(f"generated {record.alg} key {record.kid}; it signs from now on")
    if record.alg != settings.algorithm:
        typer.echo(
            f"warning: TICKETBOOTH_ALGORITHM is {settings.algorithm}; set it to {record.alg} "
            "or the next `serve` will switch back to a new key of that algorithm",
            err=True,
        )


@keys_app.command("rotate")
@one_line_errors
def keys_rotate() -> None:
    """Activate the pre-published next key and publish a new next key."""
    svc = _services()
    rotated = svc.keyring.rotate()
    if rotated is None:
        raise _fail("another process rotated the keys at the same moment; run `keys list`")
    active, upcoming = rotated
    svc.auditor.record("key_rotated", kid=active.kid, next_kid=upcoming.kid)
    typer.echo(f"active: {active.kid} ({active.alg}); next (published): {upcoming.kid}")


@keys_app.command("retire", context_settings={"ignore_unknown_options": True})
@one_line_errors
def keys_retire(kid: str) -> None:
    """Stop a key verifying: every token it signed fails from now on.

    Key ids may begin with "-" (they are base64url); they are taken as the argument.
    """
    svc = _services()
    svc.keyring.retire(kid)
    svc.auditor.record("key_retired", kid=kid)
    typer.echo(f"retired {kid}")


@keys_app.command("list")
@one_line_errors
def keys_list() -> None:
    """List keys with their algorithm and state."""
    svc = _services()
    if svc.keyring.uses_env_secret:
        typer.echo(f"{svc.issuer.keys.signing_key.kid}\tHS256\tactive\t(TICKETBOOTH_SECRET_KEY)")
    for record in svc.keyring.list():
        created = record.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo(f"{record.kid}\t{record.alg}\t{record.state}\t{created}")


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
    for name, check in CHECKS.items():
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


# -- check ------------------------------------------------------------------------------


@app.command()
@one_line_errors
def check(
    url: Annotated[
        str | None,
        typer.Option(help="A running service's base URL: also read its discovery and JWKS."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="A TOML configuration file (as TICKETBOOTH_CONFIG).")
    ] = None,
    appsettings: Annotated[
        Path | None,
        typer.Option(help="An ASP.NET appsettings.json (as TICKETBOOTH_APPSETTINGS)."),
    ] = None,
) -> None:
    """Report security findings, each with a one-line fix; exit 1 when any is high."""
    named = {"CONFIG": config, "APPSETTINGS": appsettings}
    with _environment({ENV_PREFIX + k: str(v) for k, v in named.items() if v is not None}):
        try:
            settings = load_settings()
        except ConfigurationError as exc:
            findings = [doctor.unusable_configuration(exc.message)]
        else:
            deployment = doctor.Deployment(
                settings,
                now=datetime.now(UTC),
                key_active_since=_key_active_since(settings),
                published=doctor.fetch_published(url) if url else None,
            )
            findings = doctor.diagnose(deployment)
    for finding in findings:
        typer.echo(f"{finding.severity.upper():7} {finding.code:26} {finding.message}")
        typer.echo(f"{'':34} fix: {finding.fix}")
    counts = {s: sum(f.severity == s for f in findings) for s in doctor.SEVERITIES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    typer.echo(f"ticketbooth check: {summary}" if findings else "ticketbooth check: no findings")
    if doctor.is_blocking(findings):
        raise typer.Exit(1)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _key_active_since(settings: Settings) -> datetime | None:
    """When the active key of the configured algorithm started signing, if that is known."""
    if settings.secret_bytes is not None and settings.algorithm == "HS256":
        return None  # the secret comes from the environment: its age is not recorded
    try:
        if is_missing_sqlite_file(settings.database_url):
            return None
        db = Database.from_url(settings.database_url)
    except ConfigurationError:
        return None  # a URL `serve` would refuse as well; nothing to read
    try:
        records = SqlKeyRepository(db).list()
    except ConfigurationError:
        return None  # unreachable or not migrated yet: nothing signs from it
    finally:
        db.dispose()
    active = [r for r in records if r.state == "active" and r.alg == settings.algorithm]
    return max((r.activated_at or r.created_at for r in active), default=None)


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


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:  # click's own usage errors
        return int(exc.code or 0)
    except Exception as exc:  # UsageError and friends, from click or typer's vendored copy
        show = getattr(exc, "show", None)
        if not callable(show):
            raise
        show()
        return int(getattr(exc, "exit_code", 1))
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
