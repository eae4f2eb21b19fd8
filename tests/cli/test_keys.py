"""``ticketbooth keys generate|rotate|list|retire``."""

from __future__ import annotations

import pytest

from tests.cli.conftest import Cli, error_line

SECRET = "an-hmac-secret-from-the-environment-0123456789"


def keys(cli: Cli) -> list[tuple[str, str, str]]:
    """(kid, alg, state) of every key, from ``keys list``."""
    rows = [line.split("\t") for line in cli.ok("keys", "list").stdout.splitlines()]
    assert all(len(row) == 4 for row in rows)
    return [(kid, alg, state) for kid, alg, state, _created in rows]


def kid_in(state: str, cli: Cli) -> str:
    (kid,) = [kid for kid, _alg, s in keys(cli) if s == state]
    return kid


def test_first_run_makes_an_active_key_and_publishes_the_next(cli: Cli) -> None:
    listed = keys(cli)
    assert sorted((alg, state) for _kid, alg, state in listed) == [
        ("HS256", "active"),
        ("HS256", "next"),
    ]
    assert keys(cli) == listed  # listing again changes nothing


def test_generate(cli: Cli) -> None:
    old = kid_in("active", cli)
    result = cli.ok("keys", "generate")
    new = kid_in("active", cli)
    assert new != old
    assert result.stdout == f"generated HS256 key {new}; it signs from now on\n"
    assert result.stderr == ""
    assert (old, "HS256", "retiring") in keys(cli)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_generate_another_algorithm(cli: Cli, alg: str) -> None:
    old = kid_in("active", cli)
    result = cli.ok("keys", "generate", "--alg", alg)
    new = result.stdout.split()[3].rstrip(";")
    assert result.stdout == f"generated {alg} key {new}; it signs from now on\n"
    assert result.stderr == ""  # TICKETBOOTH_ALGORITHM is unset: the database decides
    # later commands keep the new key (they do not switch back to HS256)
    assert kid_in("active", cli) == new
    assert (new, alg, "active") in keys(cli)
    assert (old, "HS256", "retiring") in keys(cli)
    cli.ok("keys", "rotate")
    assert {a for _kid, a, state in keys(cli) if state in ("active", "next")} == {alg}


def test_generate_against_an_explicit_algorithm_warns(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETBOOTH_ALGORITHM", "HS256")
    result = cli.ok("keys", "generate", "--alg", "ES256")
    assert result.stderr.startswith("warning: TICKETBOOTH_ALGORITHM is HS256; set it to ES256")


def test_generate_an_unknown_algorithm(cli: Cli) -> None:
    before = keys(cli)
    result = cli("keys", "generate", "--alg", "none")
    assert result.exit_code == 1
    assert error_line(result) == (
        "error: unknown algorithm 'none'; use one of HS256, RS256, ES256, EdDSA"
    )
    assert keys(cli) == before


def test_rotate_promotes_the_published_next_key(cli: Cli) -> None:
    old = kid_in("active", cli)
    upcoming = kid_in("next", cli)

    result = cli.ok("keys", "rotate")

    newest = kid_in("next", cli)
    assert result.stdout == f"active: {upcoming} (HS256); next (published): {newest}\n"
    assert kid_in("active", cli) == upcoming
    assert (old, "HS256", "retiring") in keys(cli)
    assert newest not in {old, upcoming}


def test_retire(cli: Cli) -> None:
    old = kid_in("active", cli)
    cli.ok("keys", "rotate")
    assert cli.ok("keys", "retire", old).stdout == f"retired {old}\n"
    assert (old, "HS256", "retired") in keys(cli)


def test_retire_an_unknown_kid(cli: Cli) -> None:
    result = cli("keys", "retire", "no-such-kid")
    assert result.exit_code == 1
    assert error_line(result) == "error: no key 'no-such-kid'"


def test_retire_the_only_active_key(cli: Cli) -> None:
    active = kid_in("active", cli)
    assert error_line(cli("keys", "retire", active)).startswith(
        "error: that is the only active key"
    )
    assert kid_in("active", cli) == active


def test_with_an_environment_secret(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETBOOTH_SECRET_KEY", SECRET)
    listed = cli.ok("keys", "list").stdout.splitlines()
    assert listed[0].endswith("\tHS256\tactive\t(TICKETBOOTH_SECRET_KEY)")
    for args in (("generate",), ("rotate",)):
        line = error_line(cli("keys", *args))
        assert "TICKETBOOTH_SECRET_KEY" in line
        assert SECRET not in line


def test_retire_takes_a_kid_that_starts_with_a_dash(cli: Cli) -> None:
    # base64url thumbprints begin with "-" one time in 64; they must not read as options
    result = cli("keys", "retire", "-abcdef")
    assert result.exit_code == 1
    assert error_line(result) == "error: no key '-abcdef'"
