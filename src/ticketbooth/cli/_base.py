"""The command line's shared parts: the Typer apps, one-line errors, service set-up."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from ..assembly import Services, build
from ..config import Settings, load_settings
from ..errors import TicketboothError
from ..logs import configure_logging

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
