"""Shared fixtures: real server processes on real sockets, and the CLI as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
PASSWORDS = {"admin": "correct horse battery staple", "john": "tr0ub4dor&3-and-more"}
ROLES = {"admin": "Admin", "john": "User"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], input: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ticketbooth ARGS`` with ``env`` on top of a clean environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ticketbooth", *args],
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@dataclass
class Server:
    """A ticketbooth server process listening on 127.0.0.1."""

    base_url: str
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    passwords: dict[str, str] = field(default_factory=dict)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30)

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, env=self.env, input=input, cwd=self.workdir)

    def add_user(self, name: str, role: str, password: str, email: str | None = None) -> None:
        extra = ["--email", email] if email else []
        result = self.cli(
            "users", "add", name, "--role", role, *extra, "--password-stdin", input=password + "\n"
        )
        assert result.returncode == 0, result.stderr
        self.passwords[name] = password

    def login(self, name: str, password: str | None = None) -> dict[str, object]:
        with self.client() as client:
            response = client.post(
                "/api/auth/login",
                json={"username": name, "password": password or self.passwords[name]},
            )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    def token(self, name: str) -> str:
        return str(self.login(name)["accessToken"])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    workdir: Path, env: dict[str, str], users: dict[str, tuple[str, str]] | None = None
) -> Server:
    """Create ``users`` ({name: (role, password)}) with the CLI, then serve and wait for /health."""
    port = free_port()
    base_env = {
        "TICKETBOOTH_DATABASE_URL": f"sqlite:///{workdir / 'ticketbooth.db'}",
        "TICKETBOOTH_SECRET_KEY": SECRET,
    }
    base_env.update(env)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
    full_env.update(base_env)
    server = Server(
        base_url=f"http://127.0.0.1:{port}",
        env=base_env,
        workdir=workdir,
    )
    for name, (role, password) in (users or {}).items():
        server.add_user(name, role, password, email=f"{name}@example.com")
    with (workdir / "server.log").open("wb") as log:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "ticketbooth", "serve", "--port", str(port)],
            env=full_env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:  # it died: show why
            raise RuntimeError((workdir / "server.log").read_text())
        try:
            if httpx.get(server.base_url + "/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("server did not start: " + (workdir / "server.log").read_text())


ServerFactory = Callable[..., Server]


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Start servers with extra environment and users; all are stopped at teardown."""
    started: list[Server] = []

    def factory(
        env: dict[str, str] | None = None, users: dict[str, tuple[str, str]] | None = None
    ) -> Server:
        workdir = tmp_path_factory.mktemp("server")
        server = start_server(
            workdir,
            env or {},
            users if users is not None else {n: (ROLES[n], PASSWORDS[n]) for n in PASSWORDS},
        )
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module, with users admin (Admin) and john (User)."""
    workdir = tmp_path_factory.mktemp("server")
    srv = start_server(workdir, {}, {n: (ROLES[n], PASSWORDS[n]) for n in PASSWORDS})
    yield srv
    srv.stop()
