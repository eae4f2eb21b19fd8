"""``ticketbooth check`` warns about OAuth clients with a secret where a key would do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.servers import run_cli
from ticketbooth.doctor import Deployment, diagnose
from ticketbooth.testing import isolated_settings

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


def findings(*names: str) -> dict[str, str]:
    deployment = Deployment(isolated_settings(), now=NOW, secret_clients=names)
    return {f.code: f.message for f in diagnose(deployment) if f.severity == "medium"}


def test_no_secret_clients_no_finding() -> None:
    assert "client-secret" not in findings()


def test_secret_clients_are_named_medium() -> None:
    assert findings("reports", "billing")["client-secret"] == (
        "2 OAuth client(s) authenticate with a shared secret (reports, billing): the secret "
        "travels with every token request and lives in the service's config"
    )


def test_a_long_list_is_cut_short() -> None:
    message = findings(*(f"c{i}" for i in range(8)))["client-secret"]
    assert "(c0, c1, c2, c3, c4 and 3 more)" in message


def test_check_reads_the_clients_from_the_database(tmp_path: Path) -> None:
    env = {
        "TICKETBOOTH_DATABASE_URL": f"sqlite:///{tmp_path / 'tb.db'}",
        "TICKETBOOTH_SECRET_KEY": "q7Vx2LmR9tKp4WzN8bYc3HsJ6fDg1AeQ5uXo0iTrVw",
    }
    added = run_cli("clients", "add", "reports", env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    checked = run_cli("check", env=env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr  # medium: not blocking
    assert "client-secret" in checked.stdout
    assert "(reports)" in checked.stdout
