"""`serve` and `demo`."""

from __future__ import annotations

import inspect
import json
import secrets
from typing import Annotated, Any

import typer

from ..assembly import build
from ..config import load_settings
from ..logs import configure_logging
from ._base import (
    DEMO_PRODUCTS,
    _services,
    app,
    one_line_errors,
)

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
    """Run the HTTP service (migrates the database and creates a key on first run).

    ``--port 0`` lets the system pick a free port; the line printed at start names it.
    """
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from ..web.app import create_app

    settings = load_settings()
    configure_logging(settings, to_stderr=True)
    workers = workers or settings.workers
    services = build(settings, switch_algorithm=True)
    kid = services.issuer.keys.signing_key.kid
    if workers == 1:
        config = uvicorn.Config(
            create_app(services=services),
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=False,  # TICKETBOOTH_TRUSTED_PROXIES alone decides (routes.py)
        )
    else:
        services.close()
        config = uvicorn.Config(
            "ticketbooth.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,
        )
    # Bound here rather than inside uvicorn so the line below names the real port.
    sock = config.bind_socket()
    typer.echo(
        f"ticketbooth: {settings.algorithm} signing key {kid}, "
        f"listening on http://{host}:{sock.getsockname()[1]}",
        err=True,
    )
    server = uvicorn.Server(config)
    with sock:
        if workers > 1:
            # uvicorn 0.29 wants the target; newer releases take it from the config
            takes_target = "target" in inspect.signature(Multiprocess).parameters
            extra: dict[str, Any] = {"target": server.run} if takes_target else {}
            Multiprocess(config, sockets=[sock], **extra).run()
            return
        server.run(sockets=[sock])
    if not server.started:  # as uvicorn.run: the application failed to start
        raise typer.Exit(3)


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
