"""The last resort: an exception nobody mapped is a plain 500, logged, never shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.servers import SECRET, scrub_ticketbooth_env
from ticketbooth.assembly import build
from ticketbooth.config import load_settings
from ticketbooth.testing import fast_hasher
from ticketbooth.web.app import create_app


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    scrub_ticketbooth_env(monkeypatch)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'tb.db'}", secret_key=SECRET)
    services = build(settings, hasher=fast_hasher())
    app = create_app(services=services)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail: /etc/secret and a stack")

    with TestClient(app, raise_server_exceptions=False) as http:
        yield http
    services.close()


def test_an_unmapped_exception_is_a_plain_500(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text
    assert response.headers["Content-Type"] == "application/json"
    # ...and the operator gets the whole story in the log
    (record,) = [r for r in caplog.records if r.name == "ticketbooth.web"]
    assert record.levelname == "ERROR"
    assert record.getMessage() == "unexpected error"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "internal detail: /etc/secret and a stack"


def test_the_service_answers_normally_afterwards(client: TestClient) -> None:
    assert client.get("/boom").status_code == 500

    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.json() == {"keys": []}
