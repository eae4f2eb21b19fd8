"""The ``ticketbooth.testing`` plugin itself: clock, harness, assertions, and its registration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ticketbooth import (
    BadSignatureError,
    InvalidCredentialsError,
    InvalidRefreshTokenError,
    Key,
    decode_unverified,
)
from ticketbooth.testing import (
    REASONS,
    AuthHarness,
    FrozenClock,
    assert_forbidden,
    assert_unauthorized,
    bearer,
    isolated_settings,
)
from ticketbooth.testing._clock import DEFAULT_START

DOCS = Path(__file__).parents[2] / "docs" / "testing.md"


def challenge(description: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'}


# -- the clock --------------------------------------------------------------------------


def test_the_clock_stands_still_until_moved() -> None:
    clock = FrozenClock()

    assert clock.now() == clock.now() == DEFAULT_START
    assert clock.advance(30, minutes=2, days=1) == DEFAULT_START + 30 + 120 + 86400
    assert clock.advance(-30) == clock.now()
    assert repr(FrozenClock(0)) == "<FrozenClock 1970-01-01T00:00:00Z>"
    assert FrozenClock(86400).datetime().isoformat() == "1970-01-02T00:00:00+00:00"


def test_the_harness_runs_on_the_shared_clock(
    tb_clock: FrozenClock, mint_token: Callable[..., str]
) -> None:
    tb_clock.advance(days=3)

    _, claims = decode_unverified(mint_token())

    assert claims["iat"] == claims["nbf"] == int(tb_clock.now())


# -- settings ---------------------------------------------------------------------------


def test_isolated_settings_ignore_the_environment_and_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TICKETBOOTH_ISSUER", "from-the-environment")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ticketbooth.toml").write_text('audience = "from-toml"\n')

    settings = isolated_settings(access_minutes=5)

    assert (settings.issuer, settings.audience, settings.access_minutes) == (
        "ticketbooth",
        "ticketbooth-api",
        5,
    )


@pytest.fixture
def tb_settings() -> dict[str, object]:
    return {"issuer": "https://auth.test", "access_minutes": 10}


def test_tb_settings_can_be_overridden(tb_auth: AuthHarness) -> None:
    assert tb_auth.settings.issuer == "https://auth.test"
    assert tb_auth.settings.access_minutes == 10


@pytest.mark.ticketbooth(access_minutes=3)
def test_the_marker_wins_over_tb_settings(tb_auth: AuthHarness) -> None:
    assert tb_auth.settings.issuer == "https://auth.test"
    assert tb_auth.settings.access_minutes == 3


# -- minting ----------------------------------------------------------------------------


def test_a_minted_token_is_what_the_service_issues(tb_auth: AuthHarness) -> None:
    token = tb_auth.mint("zoe", "Admin", email="zoe@example.com", claims={"tenant": "acme"})

    header, claims = decode_unverified(token)
    validated = tb_auth.services.validator.validate(token)

    assert header == {
        "alg": "HS256",
        "typ": "JWT",
        "kid": tb_auth.services.issuer.keys.signing_key.kid,
    }
    assert validated == claims
    assert claims["sub"] == claims["name"] == "zoe"  # no such user: sub is the name
    assert (claims["role"], claims["email"], claims["tenant"]) == (
        "Admin",
        "zoe@example.com",
        "acme",
    )
    assert claims["exp"] - claims["iat"] == 600


def test_a_minted_token_of_an_existing_user_carries_their_id(tb_auth: AuthHarness) -> None:
    user = tb_auth.add_user("yann", "Admin")

    _, claims = decode_unverified(tb_auth.mint("yann", "Admin", minutes=0.5))

    assert claims["sub"] == str(user.id)
    assert claims["exp"] - claims["iat"] == 30


def test_a_token_signed_by_a_foreign_key_has_a_bad_signature(tb_auth: AuthHarness) -> None:
    foreign = Key.generate("HS256")
    kid = tb_auth.services.issuer.keys.signing_key.kid

    with pytest.raises(BadSignatureError) as info:
        tb_auth.services.validator.validate(tb_auth.mint(key=foreign, kid=kid))

    assert type(info.value) is BadSignatureError
    assert info.value.kid == kid


def test_the_none_algorithm_leaves_the_signature_empty(tb_auth: AuthHarness) -> None:
    token = tb_auth.mint(alg="none")

    assert token.endswith(".")
    assert decode_unverified(token)[0]["alg"] == "none"


# -- refresh tokens and users -----------------------------------------------------------


def test_replaying_a_token_that_was_never_rotated_fails_the_test(tb_auth: AuthHarness) -> None:
    pair = tb_auth.login("kim")

    with pytest.raises(AssertionError, match="had not been rotated"):
        tb_auth.replay_refresh(pair.refresh_token)


def test_replaying_an_unknown_token_fails_the_test(tb_auth: AuthHarness) -> None:
    with pytest.raises(AssertionError, match="not as a reused one"):
        tb_auth.replay_refresh("never-issued")


def test_revoking_a_user_ends_their_refresh_tokens(tb_auth: AuthHarness) -> None:
    pair = tb_auth.login("lou")

    tb_auth.revoke_user("lou")

    with pytest.raises(InvalidRefreshTokenError):
        tb_auth.refresh(pair.refresh_token)
    assert tb_auth.login("lou").access_token  # not disabled: may log in again


def test_revoking_and_disabling_a_user_shuts_them_out(tb_auth: AuthHarness) -> None:
    tb_auth.login("max")

    user = tb_auth.revoke_user("max", disable=True)

    assert user.is_disabled
    with pytest.raises(InvalidCredentialsError):
        tb_auth.login("max")


# -- the service's own app --------------------------------------------------------------


def test_tb_client_serves_ticketbooths_own_routes(
    tb_client: httpx.Client, tb_auth: AuthHarness
) -> None:
    tb_auth.add_user("nina", "Admin")

    login = tb_client.post(
        "/api/auth/login", json={"username": "nina", "password": "correct horse battery staple"}
    )
    created = tb_client.post(
        "/api/products",
        json={"name": "Kettle", "price": 20},
        headers=bearer(login.json()["accessToken"]),
    )

    assert login.status_code == 200
    assert created.status_code == 201
    assert_unauthorized(tb_client.get("/api/products"))
    assert tb_client.get("/.well-known/jwks.json").json() == {"keys": []}


# -- assertions -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", list(REASONS))
def test_assert_unauthorized_accepts_each_reason(reason: str) -> None:
    description = REASONS[reason]
    response = httpx.Response(401, headers=challenge(description), json={"message": description})

    assert_unauthorized(response, reason)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            403, headers=challenge("The token expired"), json={"message": "The token expired"}
        ),
        httpx.Response(
            401, headers=challenge("The token is malformed"), json={"message": "The token expired"}
        ),
        httpx.Response(401, headers=challenge("The token expired"), json={"message": "expired"}),
        httpx.Response(401, headers=challenge("The token expired"), text="not json"),
        httpx.Response(
            401, headers={"WWW-Authenticate": "Bearer"}, json={"message": "The token expired"}
        ),
    ],
    ids=["status", "challenge", "message", "not-json", "bare-challenge"],
)
def test_assert_unauthorized_refuses_anything_else(response: httpx.Response) -> None:
    with pytest.raises(AssertionError, match=re.escape('error_description="The token expired"')):
        assert_unauthorized(response, "expired")


def test_assert_unauthorized_without_a_reason_wants_a_bare_challenge() -> None:
    assert_unauthorized(httpx.Response(401, headers={"WWW-Authenticate": "Bearer"}))

    with pytest.raises(AssertionError, match="bare 'Bearer' challenge"):
        assert_unauthorized(httpx.Response(401, headers=challenge("The token expired")))


def test_assert_unauthorized_names_the_reasons_it_knows() -> None:
    with pytest.raises(ValueError, match="unknown reason 'stale'; use one of expired, "):
        assert_unauthorized(httpx.Response(401), "stale")


def test_assert_forbidden() -> None:
    message = {"message": "This requires the role Admin"}
    assert_forbidden(httpx.Response(403, json=message))
    assert_forbidden(httpx.Response(403, json=message), "This requires the role Admin")

    for wrong in (
        httpx.Response(401, json=message),
        httpx.Response(403, json=message, headers={"WWW-Authenticate": "Bearer"}),
        httpx.Response(403, text="Forbidden"),
    ):
        with pytest.raises(AssertionError, match=r"expected (403 without a challenge|the body)"):
            assert_forbidden(wrong)
    with pytest.raises(AssertionError, match='"message": "Nope"'):
        assert_forbidden(httpx.Response(403, json=message), "Nope")


# -- registration -----------------------------------------------------------------------


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("TICKETBOOTH_", "PYTEST_"))}


def test_loading_the_plugin_imports_neither_fastapi_nor_the_database_layer() -> None:
    code = (
        "import sys, ticketbooth.testing.plugin\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy', 'alembic')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=clean_environment(),
    )

    assert result.stdout.strip() == "[]"


def python_blocks(markdown: str) -> dict[str, str]:
    """The ```python blocks of ``markdown`` whose first line is ``# name.py``, by name."""
    blocks = re.findall(r"```python\n(# (\w+\.py)\n.*?)```", markdown, flags=re.DOTALL)
    return {name: code for code, name in blocks}


def test_the_documented_example_passes_in_a_project_of_its_own(tmp_path: Path) -> None:
    blocks = python_blocks(DOCS.read_text(encoding="utf-8"))
    assert set(blocks) == {"orders.py", "test_orders.py"}
    for name, code in blocks.items():
        (tmp_path / name).write_text(code, encoding="utf-8")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-W",
            "error",
            "-p",
            "no:cacheprovider",
            "test_orders.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b8 passed\b", result.stdout), result.stdout


def test_a_minted_token_can_carry_a_session_and_its_methods(tb_auth: AuthHarness) -> None:
    token = tb_auth.mint("zoe", session_id="s-1", amr=("pwd", "otp"))

    claims = tb_auth.services.validator.validate(token)

    assert (claims["sid"], claims["amr"]) == ("s-1", ["pwd", "otp"])


def test_totp_helper_signs_in_a_user_with_two_step_verification(tb_auth: AuthHarness) -> None:
    from ticketbooth.testing import DEFAULT_PASSWORD, totp_code

    tb_auth.add_user("zoe")
    secret, codes = tb_auth.enable_totp("zoe")
    assert len(codes) == 10
    pending = tb_auth.services.auth.authenticate("zoe", DEFAULT_PASSWORD)
    token = tb_auth.services.mfa.start_challenge(pending.user, pending.methods)

    user, methods = tb_auth.services.mfa.finish_challenge(
        token, code=totp_code(secret, at=tb_auth.clock.now(), offset=1)
    )

    assert (user.username, methods) == ("zoe", ("pwd", "otp"))
