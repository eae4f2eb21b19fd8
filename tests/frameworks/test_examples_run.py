"""Each example runs as its README says, beside a real RS256 ticketbooth, over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import Issuer

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port for an example's own ``--port`` (the examples take a port, as their docs say)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DJANGO_PROJECT = ROOT / "examples" / "django_project"


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Callable[[list[str], Path, dict[str, str]], str]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], cwd: Path, env: dict[str, str]) -> str:
        port = free_port()
        full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **env}
        with (tmp_path / f"example-{port}.log").open("wb") as log:
            process = subprocess.Popen(
                [part.replace("PORT", str(port)) for part in command],
                cwd=cwd,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / f"example-{port}.log").read_text()
            try:
                httpx.get(base_url + "/api/me", timeout=1)
                return base_url
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the example did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


EXAMPLES: dict[str, tuple[list[str], Path, dict[str, str]]] = {
    "flask": ([sys.executable, "examples/flask_app.py", "--port", "PORT"], ROOT, {}),
    "litestar": ([sys.executable, "examples/litestar_app.py", "--port", "PORT"], ROOT, {}),
    "django": (
        [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:PORT"],
        DJANGO_PROJECT,
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_example_runs_beside_ticketbooth(
    name: str, issuers: dict[str, Issuer], run: Callable[[list[str], Path, dict[str, str]], str]
) -> None:
    issuer = issuers["RS256"]
    command, cwd, env = EXAMPLES[name]
    if name == "django":
        env = {"TICKETBOOTH_ISSUER_URL": issuer.server.base_url, "ORDERSITE_DATABASE": ":memory:"}
    else:
        command = [*command, "--issuer-url", issuer.server.base_url]
    base_url = run(command, cwd, env)

    me = httpx.get(
        base_url + "/api/me", headers={"Authorization": f"Bearer {issuer.token('admin')}"}
    )
    assert me.status_code == 200, me.text
    assert me.json() == {"userId": "1", "userName": "admin", "role": "Admin"}
    refused = httpx.get(
        base_url + "/api/admin", headers={"Authorization": f"Bearer {issuer.token('john')}"}
    )
    assert (refused.status_code, refused.json()) == (
        403,
        {"message": "This requires the role Admin"},
    )
    missing = httpx.get(base_url + "/api/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
