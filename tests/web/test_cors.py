"""CORS over real server processes: nothing by default, the named origins when configured."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.servers import PASSWORDS, Server, ServerPool
from ticketbooth.config import load_settings
from ticketbooth.tokens.errors import ConfigurationError

APP = "https://app.example.com"
OTHER_APP = "http://localhost:5173"
EVIL = "https://evil.example"


def preflight(client: httpx.Client, origin: str, method: str = "POST") -> httpx.Response:
    return client.options(
        "/api/products",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type, x-csrf-token",
        },
    )


def allow_headers(response: httpx.Response) -> dict[str, str]:
    """The response's ``Access-Control-*`` headers."""
    return {
        name.lower(): value
        for name, value in response.headers.items()
        if name.lower().startswith("access-control-")
    }


@pytest.fixture(scope="module")
def cors_server(module_servers: ServerPool, engine_name: str) -> Server:
    return module_servers.start(
        engine=engine_name,
        settings={
            "TICKETBOOTH_CORS_ORIGINS": f"{APP},{OTHER_APP}",
            "TICKETBOOTH_CORS_ALLOW_CREDENTIALS": "true",
        },
        users={"john": ("User", PASSWORDS["john"])},
    )


@pytest.fixture
def client(cors_server: Server) -> Iterator[httpx.Client]:
    with cors_server.client() as http:
        yield http


def test_nothing_is_allowed_by_default(server: Server) -> None:
    with server.client() as client:
        answer = preflight(client, APP)
        simple = client.get("/health", headers={"Origin": APP})

    assert answer.status_code == 405
    assert allow_headers(answer) == {}
    assert allow_headers(simple) == {}


@pytest.mark.parametrize("origin", [APP, OTHER_APP])
def test_a_preflight_from_an_allowed_origin_succeeds(client: httpx.Client, origin: str) -> None:
    response = preflight(client, origin)

    assert response.status_code == 200, response.text
    headers = allow_headers(response)
    assert headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-credentials"] == "true"
    assert set(headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "DELETE"}
    allowed = {h.lower() for h in headers["access-control-allow-headers"].split(", ")}
    assert {"authorization", "content-type", "x-csrf-token"} <= allowed


def test_a_preflight_from_another_origin_gets_no_allow_headers(client: httpx.Client) -> None:
    response = preflight(client, EVIL)

    assert response.status_code == 400
    assert allow_headers(response) == {}


def test_a_preflight_for_a_method_not_configured_is_refused(client: httpx.Client) -> None:
    response = preflight(client, APP, method="PUT")

    assert response.status_code == 400


def test_responses_to_an_allowed_origin_carry_its_headers(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/login",
        json={"username": "john", "password": "wrong password!"},
        headers={"Origin": APP},
    )

    assert response.status_code == 401
    headers = allow_headers(response)
    assert headers["access-control-allow-origin"] == APP
    assert headers["access-control-allow-credentials"] == "true"
    assert "WWW-Authenticate" in headers["access-control-expose-headers"]
    assert "Origin" in response.headers["Vary"]


def test_responses_to_another_origin_carry_none(client: httpx.Client) -> None:
    response = client.get("/health", headers={"Origin": EVIL})

    assert response.status_code == 200
    assert allow_headers(response) == {}
    assert "Origin" in response.headers["Vary"]


# -- the settings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TICKETBOOTH_CORS_ORIGINS": "https://app.example.com/"}, "TICKETBOOTH_CORS_ORIGINS"),
        ({"TICKETBOOTH_CORS_ORIGINS": "app.example.com"}, "TICKETBOOTH_CORS_ORIGINS"),
        (
            {"TICKETBOOTH_CORS_ORIGINS": "*", "TICKETBOOTH_CORS_ALLOW_CREDENTIALS": "1"},
            "TICKETBOOTH_CORS_ALLOW_CREDENTIALS",
        ),
        ({"TICKETBOOTH_CORS_METHODS": "GET,TRACE"}, "TICKETBOOTH_CORS_METHODS"),
        ({"TICKETBOOTH_REFRESH_GRACE_SECONDS": "3600"}, "TICKETBOOTH_REFRESH_GRACE_SECONDS"),
    ],
)
def test_unsafe_or_malformed_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as info:
        load_settings()

    assert info.value.message.startswith(named + ":")


def test_origins_and_methods_read_as_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETBOOTH_CORS_ORIGINS", " https://App.example.com , http://[::1]:8080")
    monkeypatch.setenv("TICKETBOOTH_CORS_METHODS", '["get", "post"]')

    settings = load_settings()

    assert settings.cors_origins == ["https://app.example.com", "http://[::1]:8080"]
    assert settings.cors_methods == ["GET", "POST"]


def test_the_browser_settings_default_to_safe_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CORS_ORIGINS", "CORS_METHODS", "CORS_ALLOW_CREDENTIALS", "COOKIE_SECURE"):
        monkeypatch.delenv("TICKETBOOTH_" + name, raising=False)
    monkeypatch.delenv("TICKETBOOTH_REFRESH_GRACE_SECONDS", raising=False)

    settings = load_settings()

    assert settings.cors_origins == []
    assert settings.cors_allow_credentials is False
    assert settings.cookie_secure is True
    assert settings.refresh_grace_seconds == 10
