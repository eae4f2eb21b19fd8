"""``ticketbooth users ...``."""

from __future__ import annotations

import pytest

from tests.cli.conftest import PASSWORD, Cli, error_line

NEW_PASSWORD = "a completely different passphrase"


def test_add(cli: Cli) -> None:
    result = cli(
        "users", "add", "alice", "--role", "Admin", "--email", "alice@example.com",
        "--password-stdin",
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout == "created user alice (id 1, role Admin)\n"
    with cli.services() as services:
        user = services.users.find("alice")
        assert (user.role, user.email) == ("Admin", "alice@example.com")
        # One trailing newline is stripped: the password is exactly what was typed.
        services.auth.login("alice", PASSWORD)


def test_add_keeps_all_but_one_trailing_newline(cli: Cli) -> None:
    cli.add_user("alice", password=PASSWORD + "\n\n")
    with cli.services() as services:
        assert services.auth.login("alice", PASSWORD + "\n")


def test_add_a_duplicate_name(cli: Cli) -> None:
    cli.add_user("alice")
    result = cli("users", "add", "alice", "--role", "User", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 1
    assert error_line(result) == "error: user 'alice' already exists"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "the password must be at least 8 characters"),
        ("password123", "the password is on the list of commonly used passwords"),
        ("alice-in-wonderland", "the password must not contain the username"),
    ],
)
def test_add_with_a_weak_password(cli: Cli, password: str, reason: str) -> None:
    result = cli("users", "add", "alice", "--role", "User", "--password-stdin", input=password)
    assert error_line(result) == f"error: {reason}"
    assert cli.ok("users", "list").stdout == ""


def test_add_with_an_unknown_role(cli: Cli) -> None:
    result = cli("users", "add", "alice", "--role", "Root", "--password-stdin", input=PASSWORD)
    assert error_line(result) == "error: unknown role 'Root'; use one of Admin, User"


def test_add_with_a_bad_email(cli: Cli) -> None:
    result = cli(
        "users", "add", "alice", "--role", "User", "--email", "nope", "--password-stdin",
        input=PASSWORD,
    )  # fmt: skip
    assert error_line(result) == "error: 'nope' is not an email address"


def test_add_without_password_stdin(cli: Cli) -> None:
    result = cli("users", "add", "alice", "--role", "User", input=PASSWORD)
    assert error_line(result) == "error: pass the password on standard input with --password-stdin"


def test_add_without_role_is_a_usage_error(cli: Cli) -> None:
    result = cli("users", "add", "alice", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2
    assert "--role" in result.stderr


def test_list(cli: Cli) -> None:
    cli.ok("users", "add", "alice", "--role", "Admin", "--email", "a@example.com",
           "--password-stdin", input=PASSWORD)  # fmt: skip
    cli.add_user("bob")
    cli.ok("users", "disable", "bob")
    assert cli.ok("users", "list").stdout.splitlines() == [
        "1\talice\tAdmin\ta@example.com\tactive",
        "2\tbob\tUser\t-\tdisabled",
    ]


def test_set_role(cli: Cli) -> None:
    cli.add_user("alice")
    assert cli.ok("users", "set-role", "alice", "Admin").stdout == "alice now has role Admin\n"
    with cli.services() as services:
        assert services.users.find("alice").role == "Admin"


def test_set_role_to_an_unknown_role(cli: Cli) -> None:
    cli.add_user("alice")
    assert error_line(cli("users", "set-role", "alice", "Root")).startswith(
        "error: unknown role 'Root'"
    )


def test_set_password(cli: Cli) -> None:
    cli.add_user("alice")
    with cli.services() as services:
        pair = services.auth.login("alice", PASSWORD)

    result = cli.ok("users", "set-password", "alice", "--password-stdin", input=NEW_PASSWORD)
    assert result.stdout == "password of alice changed; refresh tokens revoked\n"

    with cli.services() as services:
        services.auth.login("alice", NEW_PASSWORD)
        with pytest.raises(Exception, match="Invalid or expired refresh token"):
            services.auth.refresh(pair.refresh_token)


def test_set_password_refuses_a_weak_one(cli: Cli) -> None:
    cli.add_user("alice")
    result = cli("users", "set-password", "alice", "--password-stdin", input="short")
    assert error_line(result) == "error: the password must be at least 8 characters"


def test_set_password_without_password_stdin(cli: Cli) -> None:
    cli.add_user("alice")
    result = cli("users", "set-password", "alice", input=NEW_PASSWORD)
    assert error_line(result) == "error: pass the password on standard input with --password-stdin"


def test_disable_and_enable(cli: Cli) -> None:
    cli.add_user("alice")
    assert cli.ok("users", "disable", "alice").stdout == "alice disabled\n"
    with cli.services() as services:
        assert services.users.find("alice").is_disabled is True
    assert cli.ok("users", "enable", "alice").stdout == "alice enabled\n"
    with cli.services() as services:
        assert services.users.find("alice").is_disabled is False


def test_delete(cli: Cli) -> None:
    cli.add_user("alice")
    assert cli.ok("users", "delete", "alice").stdout == "alice deleted\n"
    assert cli.ok("users", "list").stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ("set-role", "ghost", "Admin"),
        ("set-password", "ghost", "--password-stdin"),
        ("disable", "ghost"),
        ("enable", "ghost"),
        ("delete", "ghost"),
    ],
    ids=lambda args: args[0],
)
def test_unknown_user(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli("users", *args, input=NEW_PASSWORD)
    assert result.exit_code == 1
    assert error_line(result) == "error: no user 'ghost'"


def test_add_and_list_on_every_engine(cli_on_every_engine: Cli) -> None:
    cli = cli_on_every_engine
    assert cli.add_user("alice").stdout == "created user alice (id 1, role User)\n"
    assert (
        error_line(
            cli("users", "add", "alice", "--role", "User", "--password-stdin", input=PASSWORD)
        )
        == "error: user 'alice' already exists"
    )
    assert cli.ok("users", "list").stdout == "1\talice\tUser\t-\tactive\n"
