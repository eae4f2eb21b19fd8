"""``ticketbooth demo``: first-run helper, repeatable."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.conftest import Cli
from ticketbooth.cli import DEMO_PRODUCTS
from ticketbooth.tokens.errors import InvalidCredentialsError

CURL = re.compile(
    r"^  curl -s -X POST http://127\.0\.0\.1:8000/api/auth/login "
    r"-H 'Content-Type: application/json' -d '(?P<body>.*)'$"
)


def passwords(stdout: str) -> dict[str, str]:
    """The demo users' passwords, from demo's output (checking its shape on the way)."""
    lines = stdout.splitlines()
    assert lines[0] == "Demo users (passwords are shown only now):"
    assert lines[3] == "Log in:"
    assert len(lines) == 5
    found = dict(line.split() for line in lines[1:3])
    assert list(found) == ["admin", "john"]
    curl = CURL.match(lines[4])
    assert curl is not None, lines[4]
    assert json.loads(curl["body"]) == {"username": "john", "password": found["john"]}
    return found


def test_demo_creates_users_products_and_a_key(cli: Cli) -> None:
    first = passwords(cli.ok("demo").stdout)

    assert first["admin"] != first["john"]
    assert all(len(p) >= 16 for p in first.values())
    with cli.services() as services:
        admin = services.auth.login("admin", first["admin"])
        john = services.auth.login("john", first["john"])
        assert (admin.user.role, john.user.role) == ("Admin", "User")
        assert john.user.email == "john@example.com"
        assert [(p.name, p.price) for p in services.products.list()] == list(DEMO_PRODUCTS)
        assert any(r.state == "active" for r in services.keyring.list())


def test_demo_again_resets_the_passwords_and_keeps_the_products(cli: Cli) -> None:
    first = passwords(cli.ok("demo").stdout)
    second = passwords(cli.ok("demo").stdout)

    assert set(first.values()).isdisjoint(second.values())
    with cli.services() as services:
        assert [u.username for u in services.users.list()] == ["admin", "john"]
        assert len(services.products.list()) == len(DEMO_PRODUCTS)
        for name in ("admin", "john"):
            services.auth.login(name, second[name])
            with pytest.raises(InvalidCredentialsError):
                services.auth.login(name, first[name])


def test_demo_host_and_port(cli: Cli) -> None:
    last = cli.ok("demo", "--host", "example.test", "--port", "9000").stdout.splitlines()[-1]
    assert "http://example.test:9000/api/auth/login" in last


def test_demo_on_every_engine(cli_on_every_engine: Cli) -> None:
    cli = cli_on_every_engine
    passwords(cli.ok("demo").stdout)
    second = passwords(cli.ok("demo").stdout)
    with cli.services() as services:
        assert len(services.products.list()) == len(DEMO_PRODUCTS)
        services.auth.login("john", second["john"])
