"""``ticketbooth check`` warns when passkeys cannot work: a relying party that is an IP
address (``passkeys-ip``), or origins off its domain (``passkey-origins``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.servers import run_cli
from ticketbooth.doctor import Deployment, Finding, diagnose
from ticketbooth.testing import isolated_settings

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
STRONG_SECRET = "q7Vx2LmR9tKp4WzN8bYc3HsJ6fDg1AeQ5uXo0iTrVw"
FIX = (
    "set TICKETBOOTH_PUBLIC_URL to the domain name people open (https://auth.example.com), "
    "or http://localhost:PORT for a local try"
)


def examine(**values: Any) -> dict[str, Finding]:
    findings = diagnose(Deployment(isolated_settings(**values), now=NOW))
    return {f.code: f for f in findings}


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://192.168.1.20:8000", "192.168.1.20"),
        ("https://203.0.113.7", "203.0.113.7"),
        ("http://127.0.0.1:8000", "127.0.0.1"),
        ("http://[2001:db8::1]:8000", "2001:db8::1"),
    ],
)
def test_a_public_url_on_an_ip_address_is_medium(url: str, address: str) -> None:
    finding = examine(public_url=url)["passkeys-ip"]

    assert finding == Finding(
        "medium",
        "passkeys-ip",
        f"TICKETBOOTH_PUBLIC_URL names the IP address {address}: browsers offer no "
        "passkeys there, so nobody can add one or sign in with one",
        FIX,
    )


@pytest.mark.parametrize(
    "url", ["https://auth.example.com", "http://localhost:8000", "https://sso.intranet:8443"]
)
def test_a_public_url_on_a_domain_name_is_fine(url: str) -> None:
    assert examine(public_url=url) == {}


def test_the_default_public_url_is_not_judged() -> None:
    # http://127.0.0.1:8000 unless set: a first local run, where `serve` says it once
    assert "passkeys-ip" not in examine()


def test_an_ip_relying_party_id_is_named() -> None:
    finding = examine(public_url="http://10.0.0.5:8000", passkey_rp_id="10.0.0.5")["passkeys-ip"]

    assert finding.message.startswith("TICKETBOOTH_PASSKEY_RP_ID names the IP address 10.0.0.5")


def test_origins_off_the_relying_party_are_high() -> None:
    found = examine(
        public_url="https://auth.example.com", passkey_origins=["https://app.example.org"]
    )

    finding = found["passkey-origins"]
    assert finding.severity == "high"
    assert finding.message == (
        "TICKETBOOTH_PASSKEY_ORIGINS: https://app.example.org is not on auth.example.com or "
        "beneath it, so browsers would refuse its passkeys; see docs/passkeys.md"
    )
    assert "passkeys-ip" not in found


def test_check_warns_about_an_ip_public_url(tmp_path: Path) -> None:
    env = {
        "TICKETBOOTH_PUBLIC_URL": "http://192.168.1.20:8000",
        "TICKETBOOTH_SECRET_KEY": STRONG_SECRET,
        "TICKETBOOTH_DATABASE_URL": f"sqlite:///{tmp_path / 'tb.db'}",
    }

    checked = run_cli("check", env=env, cwd=tmp_path)

    assert checked.returncode == 0, checked.stdout + checked.stderr  # medium: not blocking
    assert "MEDIUM  passkeys-ip" in checked.stdout
    assert "192.168.1.20" in checked.stdout
    assert "http://localhost:PORT for a local try" in checked.stdout
