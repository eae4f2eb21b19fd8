"""``ticketbooth check``: every finding provoked by a configuration, and the command itself."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from tests.servers import ServerFactory, closed_port, scrub_ticketbooth_env
from ticketbooth.assembly import build
from ticketbooth.cli import app
from ticketbooth.config import Settings
from ticketbooth.doctor import (
    WELL_KNOWN_SECRETS,
    Deployment,
    Finding,
    Published,
    diagnose,
    entropy_bits,
    is_blocking,
)
from ticketbooth.testing import AuthHarness, FrozenClock, isolated_settings
from ticketbooth.tokens import InvalidCredentialsError, RateLimitedError

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
TUTORIAL_SECRET = "your-secret-key-at-least-32-characters-long"
STRONG_SECRET = "q7Vx2LmR9tKp4WzN8bYc3HsJ6fDg1AeQ5uXo0iTrVw"  # 42 chars, no repeats to speak of
ISSUER_URL = "https://auth.example.com"
PUBLISHED = Published(
    ISSUER_URL,
    discovery={"issuer": "ticketbooth", "jwks_uri": ISSUER_URL + "/.well-known/jwks.json"},
    jwks={"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc", "kid": "k1", "alg": "EdDSA"}]},
)


def examine(
    settings: Settings | None = None,
    *,
    key_active_since: datetime | None = None,
    published: Published | None = None,
    **values: Any,
) -> dict[str, Finding]:
    """The findings for ``settings`` (or isolated settings from ``values``), by code."""
    deployment = Deployment(
        settings or isolated_settings(**values),
        now=NOW,
        key_active_since=key_active_since,
        published=published,
    )
    findings = diagnose(deployment)
    by_code = {f.code: f for f in findings}
    assert len(by_code) == len(findings), findings
    return by_code


def unvalidated(**values: Any) -> Settings:
    """Settings that ``Settings`` itself would refuse (a short secret, CORS * with credentials)."""
    return Settings.model_construct(**values)


# -- a clean configuration --------------------------------------------------------------


def test_the_defaults_have_no_findings() -> None:
    assert examine() == {}


def test_a_strong_secret_and_a_fresh_key_have_no_findings() -> None:
    found = examine(secret_key=STRONG_SECRET, key_active_since=NOW - timedelta(days=10))

    assert found == {}


def test_the_running_service_as_configured_has_no_findings() -> None:
    assert examine(published=PUBLISHED, algorithm="EdDSA", jwks_consumers=True) == {}


# -- lifetimes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "limit", "code"),
    [
        ("clock_skew_seconds", 60, "clock-skew"),
        ("access_minutes", 60, "access-lifetime"),
        ("refresh_days", 30, "refresh-lifetime"),
    ],
)
def test_a_lifetime_past_its_limit_is_medium(setting: str, limit: int, code: str) -> None:
    at_limit: dict[str, Any] = {setting: limit}
    past_limit: dict[str, Any] = {setting: limit + 1}
    assert examine(**at_limit) == {}

    finding = examine(**past_limit)[code]

    assert finding.severity == "medium"
    assert str(limit + 1) in finding.message
    assert f"TICKETBOOTH_{setting.upper()}" in finding.fix


# -- the HMAC secret --------------------------------------------------------------------


def test_the_tutorials_example_secret_is_high() -> None:
    finding = examine(secret_key=TUTORIAL_SECRET)["secret-example"]

    assert finding.severity == "high"
    assert "well-known example secret" in finding.message
    assert "openssl rand" in finding.fix


@pytest.mark.parametrize(
    "secret",
    [
        TUTORIAL_SECRET.upper(),
        f"  {TUTORIAL_SECRET}  ",
        "a-string-secret-at-least-256-bits-long",
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
    ],
)
def test_well_known_secrets_are_recognised_in_any_case(secret: str) -> None:
    assert examine(secret_key=secret)["secret-example"].severity == "high"


def test_a_placeholder_secret_is_high() -> None:
    finding = examine(secret_key="please-change-me-before-production-x7Q2")["secret-example"]

    assert finding.severity == "high"
    assert "placeholder" in finding.message


def test_a_short_secret_is_high() -> None:
    finding = examine(unvalidated(secret_key=SecretStr("Zq8#mK2p!xW9")))["secret-short"]

    assert finding.severity == "high"
    assert "12 bytes" in finding.message


@pytest.mark.parametrize("secret", ["ab" * 20, "passwordpasswordpasswordpassword", "x" * 64])
def test_a_low_entropy_secret_is_high(secret: str) -> None:
    finding = examine(secret_key=secret)["secret-low-entropy"]

    assert finding.severity == "high"
    assert "bits of entropy" in finding.message


def test_a_secret_is_never_shown() -> None:
    secrets_ = [TUTORIAL_SECRET, "ab" * 20, "please-change-me-before-production-x7Q2"]
    for secret in secrets_:
        for finding in examine(secret_key=secret).values():
            assert secret not in finding.message + finding.fix
            assert secret[:12] not in finding.message + finding.fix


def test_a_secret_that_signs_nothing_is_not_judged() -> None:
    assert examine(secret_key="ab" * 20, algorithm="ES256") == {}


def test_entropy_estimates() -> None:
    assert entropy_bits(b"") == 0
    assert entropy_bits(b"a" * 32) == 0
    assert entropy_bits(b"ab" * 16) == 32
    assert entropy_bits(STRONG_SECRET.encode()) > 200
    assert all(s == s.lower() for s in WELL_KNOWN_SECRETS)


# -- HS256 while others expect a JWKS ---------------------------------------------------------


def test_hs256_with_jwks_consumers_is_high() -> None:
    finding = examine(jwks_consumers=True)["hs256-jwks"]

    assert finding.severity == "high"
    assert "TICKETBOOTH_ALGORITHM=ES256" in finding.fix


def test_hs256_without_jwks_consumers_is_fine() -> None:
    assert examine(algorithm="HS256", jwks_consumers=False) == {}


def test_an_empty_published_jwks_with_consumers_is_high() -> None:
    empty = Published(ISSUER_URL, discovery={"issuer": "ticketbooth"}, jwks={"keys": []})

    found = examine(published=empty, algorithm="ES256", jwks_consumers=True)

    assert found["hs256-jwks"].severity == "high"


# -- the signing key's age --------------------------------------------------------------


def test_a_key_older_than_the_default_rotation_period_is_medium() -> None:
    assert examine(key_active_since=NOW - timedelta(days=89)) == {}

    finding = examine(key_active_since=NOW - timedelta(days=91))["key-age"]

    assert finding.severity == "medium"
    assert "91 days" in finding.message
    assert "ticketbooth keys rotate" in finding.fix


def test_a_key_older_than_the_configured_rotation_period_is_medium() -> None:
    since = NOW - timedelta(days=8)

    assert examine(key_active_since=since, rotate_days=10) == {}
    assert examine(key_active_since=since, rotate_days=7)["key-age"].severity == "medium"


# -- cookies and CORS -------------------------------------------------------------------


def test_cookies_without_secure_are_medium_when_the_host_is_unknown() -> None:
    finding = examine(cookie_secure=False)["cookie-insecure"]

    assert finding.severity == "medium"
    assert "TICKETBOOTH_COOKIE_SECURE" in finding.message


def test_cookies_without_secure_outside_localhost_are_high() -> None:
    finding = examine(cookie_secure=False, published=PUBLISHED)["cookie-insecure"]

    assert finding.severity == "high"
    assert "auth.example.com" in finding.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]"])
def test_cookies_without_secure_on_localhost_are_fine(url: str) -> None:
    local = Published(url, discovery={"issuer": "ticketbooth"}, jwks={"keys": []})

    assert examine(cookie_secure=False, published=local) == {}


def test_cors_wildcard_with_credentials_is_high() -> None:
    settings = unvalidated(cors_origins=["*"], cors_allow_credentials=True)

    finding = examine(settings)["cors-wildcard-credentials"]

    assert finding.severity == "high"
    assert "TICKETBOOTH_CORS_ORIGINS" in finding.fix


def test_cors_wildcard_without_credentials_is_fine() -> None:
    assert examine(cors_origins=["*"]) == {}


# -- deployment shape -------------------------------------------------------------------


def test_sqlite_with_several_workers_is_medium() -> None:
    found = examine(workers=4, redis_url="redis://127.0.0.1:6379/0")

    assert set(found) == {"sqlite-workers"}
    assert found["sqlite-workers"].severity == "medium"


def test_sqlite_shared_by_several_instances_is_high() -> None:
    found = examine(instances=2, redis_url="redis://127.0.0.1:6379/0")

    assert found["sqlite-workers"].severity == "high"


def test_postgresql_with_several_workers_is_fine() -> None:
    url = "postgresql+psycopg://ticketbooth@db/ticketbooth"

    assert examine(database_url=url, workers=4, redis_url="redis://cache:6379/0") == {}


def test_several_instances_without_redis_are_high() -> None:
    url = "postgresql+psycopg://ticketbooth@db/ticketbooth"

    finding = examine(database_url=url, instances=3)["no-redis"]

    assert finding.severity == "high"
    assert "3 times the guesses" in finding.message
    assert "TICKETBOOTH_REDIS_URL" in finding.fix


def test_several_workers_without_redis_are_medium() -> None:
    url = "postgresql+psycopg://ticketbooth@db/ticketbooth"

    assert examine(database_url=url, workers=2)["no-redis"].severity == "medium"


def test_rate_limits_off_is_high() -> None:
    finding = examine(rate_limits=False)["rate-limits-off"]

    assert finding.severity == "high"
    assert "TICKETBOOTH_RATE_LIMITS" in finding.fix


# -- what the running service publishes -------------------------------------------------


def test_plain_http_to_another_host_is_high() -> None:
    plain = Published(
        "http://auth.example.com", discovery={"issuer": "ticketbooth"}, jwks={"keys": []}
    )

    assert examine(published=plain)["url-not-https"].severity == "high"


def test_an_unreachable_service_is_high() -> None:
    down = Published("http://127.0.0.1:9", error="connection refused")

    finding = examine(published=down)["url-unreachable"]

    assert finding.severity == "high"
    assert "connection refused" in finding.message


def test_private_key_material_in_the_jwks_is_high() -> None:
    leaky = Published(
        ISSUER_URL,
        discovery={"issuer": "ticketbooth"},
        jwks={"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "secret"}]},
    )

    assert examine(published=leaky)["jwks-private-key"].severity == "high"


def test_another_issuer_than_configured_is_medium() -> None:
    other = Published(ISSUER_URL, discovery={"issuer": "someone-else"}, jwks={"keys": []})

    finding = examine(published=other)["issuer-mismatch"]

    assert finding.severity == "medium"
    assert "'someone-else'" in finding.message


# -- ordering and gating ----------------------------------------------------------------


def test_findings_come_most_severe_first_and_high_ones_block() -> None:
    findings = diagnose(
        Deployment(isolated_settings(access_minutes=90, rate_limits=False), now=NOW)
    )

    assert [f.code for f in findings] == ["rate-limits-off", "access-lifetime"]
    assert is_blocking(findings)
    assert not is_blocking(findings[1:])


# -- the command ------------------------------------------------------------------------


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No TICKETBOOTH_* variables, and a working directory with no configuration file."""
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), env=env)


def write_tutorial_appsettings(directory: Path) -> Path:
    path = directory / "appsettings.json"
    path.write_text(
        json.dumps(
            {
                "JwtSettings": {
                    "SecretKey": TUTORIAL_SECRET,
                    "Issuer": "yourapp.com",
                    "Audience": "yourapp-users",
                    "ExpirationMinutes": 60,
                }
            }
        )
    )
    return path


def test_check_reports_the_tutorials_secret_as_high_and_exits_1(clean_env: Path) -> None:
    result = run("check", "--appsettings", str(write_tutorial_appsettings(clean_env)))

    assert result.exit_code == 1, result.output
    assert "HIGH    secret-example" in result.stdout
    assert "fix: generate one with `openssl rand -base64 48`" in result.stdout
    assert result.stdout.splitlines()[-1] == "ticketbooth check: 1 high, 0 medium"
    assert TUTORIAL_SECRET not in result.output
    assert not (clean_env / "ticketbooth.db").exists()  # checking creates nothing


def test_check_reads_appsettings_from_the_environment_too(clean_env: Path) -> None:
    path = write_tutorial_appsettings(clean_env)

    result = run("check", env={"TICKETBOOTH_APPSETTINGS": str(path)})

    assert result.exit_code == 1
    assert "secret-example" in result.stdout


def test_check_reads_a_toml_configuration(clean_env: Path) -> None:
    (clean_env / "prod.toml").write_text("access_minutes = 120\nrefresh_days = 90\n")

    result = run("check", "--config", str(clean_env / "prod.toml"))

    assert result.exit_code == 0, result.output
    assert "MEDIUM  access-lifetime" in result.stdout
    assert "MEDIUM  refresh-lifetime" in result.stdout
    assert "TICKETBOOTH_CONFIG" not in os.environ  # --config did not leak


def test_check_on_the_make_run_configuration_finds_nothing_high(clean_env: Path) -> None:
    demo = run("demo")
    assert demo.exit_code == 0, demo.output

    result = run("check")

    assert result.exit_code == 0, result.output
    assert "HIGH" not in result.stdout
    assert result.stdout.splitlines()[-1] == "ticketbooth check: no findings"


def test_check_reports_an_old_signing_key(clean_env: Path) -> None:
    settings = isolated_settings(database_url=f"sqlite:///{clean_env / 'ticketbooth.db'}")
    long_ago = FrozenClock(NOW.timestamp() - 200 * 86400)
    build(settings, now=long_ago.now).close()

    result = run("check")

    assert result.exit_code == 0, result.output
    assert "MEDIUM  key-age" in result.stdout


def test_check_reports_a_configuration_that_does_not_load(clean_env: Path) -> None:
    result = run("check", env={"TICKETBOOTH_SECRET_KEY": "too-short"})

    assert result.exit_code == 1
    assert "HIGH    config-invalid" in result.stdout
    assert "TICKETBOOTH_SECRET_KEY: the HMAC secret is 9 bytes" in result.stdout
    assert "too-short" not in result.stdout.replace("TICKETBOOTH_SECRET_KEY", "")


def test_check_reports_cors_wildcard_with_credentials(clean_env: Path) -> None:
    env = {"TICKETBOOTH_CORS_ORIGINS": "*", "TICKETBOOTH_CORS_ALLOW_CREDENTIALS": "true"}

    result = run("check", env=env)

    assert result.exit_code == 1
    assert "config-invalid" in result.stdout
    assert "TICKETBOOTH_CORS_ALLOW_CREDENTIALS" in result.stdout


def test_check_with_an_unreachable_url_exits_1(clean_env: Path) -> None:
    with closed_port() as port:
        result = run("check", "--url", f"http://127.0.0.1:{port}")

    assert result.exit_code == 1
    assert "HIGH    url-unreachable" in result.stdout


@pytest.mark.parametrize(
    ("env", "code"),
    [
        ({"TICKETBOOTH_RATE_LIMITS": "false"}, "rate-limits-off"),
        ({"TICKETBOOTH_JWKS_CONSUMERS": "true"}, "hs256-jwks"),
        ({"TICKETBOOTH_INSTANCES": "2"}, "no-redis"),
    ],
)
def test_check_reads_the_deployment_settings_from_the_environment(
    clean_env: Path, env: dict[str, str], code: str
) -> None:
    result = run("check", env=env)

    assert result.exit_code == 1
    assert f"HIGH    {code}" in result.stdout


# -- against a running service ------------------------------------------------------------


def test_check_url_against_a_running_service(
    server_factory: ServerFactory, clean_env: Path
) -> None:
    server = server_factory(
        settings={"TICKETBOOTH_ALGORITHM": "ES256", "TICKETBOOTH_JWKS_CONSUMERS": "true"}, users={}
    )

    result = run("check", "--url", server.base_url, env=server.env)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "ticketbooth check: no findings"


def test_check_url_finds_the_test_suites_public_secret(
    server_factory: ServerFactory, clean_env: Path
) -> None:
    server = server_factory(users={})

    result = run("check", "--url", server.base_url, env={**server.env, "TICKETBOOTH_ISSUER": "x"})

    assert result.exit_code == 1
    assert "HIGH    secret-example" in result.stdout
    assert "MEDIUM  issuer-mismatch" in result.stdout


# -- the settings the doctor reads do what they say ---------------------------------------


@pytest.mark.ticketbooth(rate_limits=False, login_user_failures=2)
def test_rate_limits_off_really_lets_every_attempt_through(tb_auth: AuthHarness) -> None:
    tb_auth.add_user("ivan")
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            tb_auth.services.auth.login("ivan", "wrong password!")

    assert tb_auth.login("ivan").access_token


@pytest.mark.ticketbooth(login_user_failures=2)
def test_rate_limits_on_lock_the_username(tb_auth: AuthHarness) -> None:
    tb_auth.add_user("judy")
    for _ in range(2):
        with pytest.raises(InvalidCredentialsError):
            tb_auth.services.auth.login("judy", "wrong password!")

    with pytest.raises(RateLimitedError):
        tb_auth.login("judy")


def test_serve_starts_the_configured_number_of_workers(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}

    class Supervisor:  # uvicorn's, which would fork the workers
        def __init__(self, config: Any, sockets: list[Any], **_: Any) -> None:
            started.update(workers=config.workers, sockets=len(sockets))

        def run(self) -> None:
            return None

    monkeypatch.setattr("uvicorn.supervisors.Multiprocess", Supervisor)

    result = run("serve", "--port", "0", env={"TICKETBOOTH_WORKERS": "3"})

    assert result.exit_code == 0, result.output
    assert started["workers"] == 3
    assert started["sockets"] == 1
