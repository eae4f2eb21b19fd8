"""Real ticketbooth server processes for the tests, and the helpers every suite shares.

This is the one place that starts ``python -m ticketbooth serve`` for a test.  Its API is
stable (other suites and bench/ build on it)::

    def test_something(server_factory: ServerFactory) -> None:
        server = server_factory(
            engine="postgresql",                  # or "sqlite" (the default)
            settings={"TICKETBOOTH_ALGORITHM": "RS256"},   # TICKETBOOTH_* values
            users={"admin": ("Admin", "correct horse battery staple")},
            env={"PYTHONFAULTHANDLER": "1"},      # any other environment for the process
        )
        server.base_url, server.port, server.env, server.database_url, server.process
        server.client()          # an httpx.Client on base_url
        server.cli("users", "list")   # the CLI with the server's settings
        server.stop()            # SIGTERM, then wait (SIGKILL only if it hangs)
        server.kill()            # SIGKILL, then wait
        server.start()           # start again on the same database (a new port)
        server.wait_ready()      # wait until /health answers 200

``server_factory(...)`` parameters (all keyword-only):

- ``engine``: ``"sqlite"`` (a file in the server's own tmp directory) or
  ``"postgresql"`` (a new database from :func:`tests.databases.postgres_database`,
  dropped ``WITH (FORCE)`` when the test ends; skipped, or failed under ``CI``, when
  PostgreSQL is absent).
- ``settings``: ``TICKETBOOTH_*`` values on top of the defaults (the database URL and
  :data:`SECRET`).  When it sets ``TICKETBOOTH_REDIS_URL`` but no ``TICKETBOOTH_ISSUER``,
  the issuer is made unique per database, so the Redis keys and channels of parallel
  tests (pytest-xdist) never meet while instances that share a database share them.
- ``users``: ``{name: (role, password)}`` created with ``ticketbooth users add`` (email
  ``name@example.com``) before the server starts; default :data:`DEFAULT_USERS`
  (admin/Admin and john/User, passwords in :data:`PASSWORDS`).
- ``env``: other environment variables for the process.
- ``database_url``: share an existing database (a second instance of a cluster); the
  ``engine`` is then taken from the URL and nothing is created or dropped.
- ``workers``: ``serve --workers N``.
- ``wait``: ``False`` returns as soon as the process is started (call ``wait_ready``).

Every server a factory started is stopped at the end of the test, before its database is
dropped.  For servers that live longer than one test use :class:`ServerPool` directly
(``with ServerPool(tmp_path_factory) as pool: pool.start(...)``), as tests/http does for
its package-scoped ``server``.

Ports are race-free: the server is started with ``--port 0``, the kernel picks a free
port and holds it for the server, and the server prints it on its first line
(``listening on http://127.0.0.1:PORT``), which :meth:`Server.wait_ready` reads.  Nothing
ever asks for a free port and then hopes it is still free.

The other helpers:

- :func:`clean_environ` — ``os.environ`` without any ``TICKETBOOTH_*`` variable, plus
  overrides; :func:`scrub_ticketbooth_env` does the same to the test's own process
  through ``monkeypatch``.
- :func:`require` — skip with a reason when a service is absent, or fail when the ``CI``
  environment variable is set (CI must not go green by skipping).  :func:`require_redis`
  and :func:`require_node` build on it; :func:`tests.databases.require_postgres` too.
- :func:`wait_for` — poll a condition until it holds, with a bound that the caller takes
  from a documented figure (and names), failing early when a watched process dies.
- :func:`announced_port` — the port a process printed (``listening on http://H:PORT``).
- :func:`closed_port` — a port bound (but not listening) for as long as the ``with``
  lasts: connecting to it is refused, and nothing else can take it meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import httpx
import pytest
from sqlalchemy import make_url

SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
PASSWORDS = {"admin": "correct horse battery staple", "john": "tr0ub4dor&3-and-more"}
ROLES = {"admin": "Admin", "john": "User"}
DEFAULT_USERS: Mapping[str, tuple[str, str]] = {n: (ROLES[n], PASSWORDS[n]) for n in PASSWORDS}
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

START_SECONDS = 60.0
"""How long a server may take to answer /health: it migrates the database and makes a key
first, which takes a few seconds on a loaded 2-core machine.  A guard against a hang, not
a measurement: the server either says where it listens and answers, or dies and shows
its log."""

STOP_SECONDS = 30.0
"""How long a SIGTERM'd server may take to finish its requests before it is killed."""

_LISTENING = re.compile(rb"listening on http://[^\s:]+:(\d+)")

T = TypeVar("T")

_ADD_USERS = """
import io, json, sys
from ticketbooth.cli import main
for name, role, password, email in json.load(sys.stdin):
    sys.stdin = io.StringIO(password + "\\n")
    args = ["users", "add", name, "--role", role, "--email", email, "--password-stdin"]
    if main(args) != 0:
        sys.exit(f"users add {name} failed")
"""


# -- environment --------------------------------------------------------------------------


def clean_environ(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without ``TICKETBOOTH_*`` variables, then ``overrides`` on top."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
    environ.update(overrides or {})
    return environ


def scrub_ticketbooth_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every ``TICKETBOOTH_*`` variable from this process for the test."""
    for name in [n for n in os.environ if n.startswith("TICKETBOOTH_")]:
        monkeypatch.delenv(name)


def require(service: str, problem: str | None) -> None:
    """Skip because ``service`` is unusable (``problem`` says why), or fail under ``CI``.

    ``problem`` None means the service is there, and the test goes on.
    """
    if problem is None:
        return
    reason = f"{service}: {problem}"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(f"{reason} (set CI=1 to make this fail)")


def redis_problem(url: str = REDIS_URL) -> str | None:
    """Why the Redis at ``url`` cannot be used, or None."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"unreachable: {exc}"
    finally:
        client.close()
    return None


def require_redis(url: str = REDIS_URL) -> str:
    """The Redis URL to use; skips (fails under ``CI``) when it does not answer."""
    require(f"Redis at {url}", redis_problem(url))
    return url


def require_node() -> str:
    """The path of ``node`` (Node.js 20 or later); skips (fails under ``CI``) without it."""
    import shutil

    node = shutil.which("node")
    if node is None:
        require("Node.js", "`node` is not on PATH (install Node.js 20)")
        raise AssertionError("unreachable")  # pragma: no cover - require() raised
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    major = version.lstrip("v").split(".")[0]
    assert major.isdigit() and int(major) >= 20, f"need Node.js 20+, got {version!r}"
    return node


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections while the ``with`` lasts.

    The socket is bound and never listens, so connecting is refused, and the port cannot
    be handed to anything else until the block ends.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def announced_port(log_path: Path, offset: int = 0) -> int:
    """The port in the first ``listening on http://HOST:PORT`` line after ``offset``, or 0."""
    if not log_path.exists():
        return 0
    with log_path.open("rb") as log:
        log.seek(offset)
        match = _LISTENING.search(log.read())
    return int(match.group(1)) if match else 0


def wait_for(
    condition: Callable[[], T],
    *,
    within: float,
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    interval: float = 0.05,
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    ``within`` is the bound, in seconds, which the caller derives from a documented figure
    (a poll interval, a reload period) with room for a loaded machine; ``what`` names the
    condition in the failure.  Transport errors count as "not yet".  When ``process``
    exits meanwhile, this fails at once instead of waiting out the bound.
    """
    deadline = time.monotonic() + within
    while True:
        try:
            value = condition()
        except httpx.TransportError:
            value = None
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {within:g} s")
        time.sleep(interval)


def run_cli(
    *args: str, env: Mapping[str, str], input: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ticketbooth ARGS`` with ``env`` on top of a clean environment."""
    return subprocess.run(
        [sys.executable, "-m", "ticketbooth", *args],
        env=clean_environ(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


# -- servers ------------------------------------------------------------------------------


@dataclass
class Server:
    """A ticketbooth server process on 127.0.0.1 (see the module docstring)."""

    engine: str
    database_url: str
    env: dict[str, str]
    """What the process gets on top of the clean environment: the settings and ``env``."""
    workdir: Path
    workers: int | None = None
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    passwords: dict[str, str] = field(default_factory=dict)
    log_path: Path = field(init=False)
    _log_offset: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        self.log_path = self.workdir / "server.log"

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError("the server has not said where it listens yet: wait_ready()")
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs: object) -> httpx.Client:
        """An httpx client on ``base_url`` (30 s timeout unless given)."""
        options: dict[str, object] = {"timeout": 30, **kwargs}
        return httpx.Client(base_url=self.base_url, **options)  # type: ignore[arg-type]

    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run the CLI with this server's settings, in its directory."""
        return run_cli(*args, env=self.env, input=input, cwd=self.workdir)

    def add_user(self, name: str, role: str, password: str, email: str | None = None) -> None:
        extra = ["--email", email] if email else []
        result = self.cli(
            "users", "add", name, "--role", role, *extra, "--password-stdin", input=password + "\n"
        )
        assert result.returncode == 0, result.stderr
        self.passwords[name] = password

    def add_users(self, users: Mapping[str, tuple[str, str]]) -> None:
        """``users add NAME --role ROLE --email NAME@example.com`` for each, in one process.

        The same commands as :meth:`add_user`, run by ``ticketbooth.cli.main`` one after
        the other: a Python start costs seconds on a loaded machine, a command does not.
        """
        if not users:
            return
        rows = [[n, role, pw, f"{n}@example.com"] for n, (role, pw) in users.items()]
        result = subprocess.run(
            [sys.executable, "-c", _ADD_USERS],
            env=clean_environ(self.env),
            input=json.dumps(rows),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.workdir,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        self.passwords.update({n: pw for n, (_role, pw) in users.items()})

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

    def log(self) -> str:
        """Everything the process wrote (stdout and stderr) so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, wait: bool = True) -> Server:
        """Start the process (again) on the same database; the port is new."""
        if self.is_running:
            raise RuntimeError("the server is already running")
        self.port = 0
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        args = [sys.executable, "-m", "ticketbooth", "serve", "--port", "0"]
        if self.workers is not None:
            args += ["--workers", str(self.workers)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args,
                env=clean_environ(self.env),
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = START_SECONDS) -> None:
        """Wait until the process says its port and ``/health`` answers 200.

        Raises:
            RuntimeError: the process died (its log is the message), or took longer than
                ``timeout`` (it is then stopped).
        """
        assert self.process is not None, "start() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}:\n{self.log()}"
                )
            if not self.port:
                self.port = self._announced_port()
            elif self._is_healthy():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log()}")

    def _announced_port(self) -> int:
        # A restarted server appends to the same log: read only what this run wrote.
        return announced_port(self.log_path, self._log_offset)

    def _is_healthy(self) -> bool:
        try:
            return httpx.get(self.base_url + "/health", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self, timeout: float = STOP_SECONDS) -> int | None:
        """SIGTERM and wait (SIGKILL after ``timeout``); the exit code, None if not started."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> int | None:
        """SIGKILL and wait; the exit code, None if not started."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return self.process.returncode


class ServerFactory(Protocol):
    """The type of the ``server_factory`` fixture and of :meth:`ServerPool.start`."""

    def __call__(
        self,
        *,
        engine: str = "sqlite",
        settings: Mapping[str, str] | None = None,
        users: Mapping[str, tuple[str, str]] | None = None,
        env: Mapping[str, str] | None = None,
        database_url: str | None = None,
        workers: int | None = None,
        wait: bool = True,
    ) -> Server: ...


def engine_of(database_url: str) -> str:
    """``"sqlite"`` or ``"postgresql"`` for a SQLAlchemy URL."""
    return make_url(database_url).get_backend_name()


class ServerPool(AbstractContextManager["ServerPool"]):
    """Starts servers (see the module docstring); ``close()`` stops them, then drops databases."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp = tmp_path_factory
        self._stack = ExitStack()
        self._issuers: dict[str, str] = {}

    def start(
        self,
        *,
        engine: str = "sqlite",
        settings: Mapping[str, str] | None = None,
        users: Mapping[str, tuple[str, str]] | None = None,
        env: Mapping[str, str] | None = None,
        database_url: str | None = None,
        workers: int | None = None,
        wait: bool = True,
    ) -> Server:
        settings = dict(settings or {})
        workdir = self._tmp.mktemp("server")
        database_url = database_url or settings.get("TICKETBOOTH_DATABASE_URL")
        if database_url is None:
            database_url = self._new_database(engine, workdir)
        engine = engine_of(database_url)
        full = {
            "TICKETBOOTH_DATABASE_URL": database_url,
            "TICKETBOOTH_SECRET_KEY": SECRET,
            **settings,
        }
        if "TICKETBOOTH_REDIS_URL" in full and "TICKETBOOTH_ISSUER" not in full:
            full["TICKETBOOTH_ISSUER"] = self._issuers.setdefault(
                database_url, f"tb-test-{secrets.token_hex(6)}"
            )
        server = Server(
            engine=engine,
            database_url=database_url,
            env={**full, **(env or {})},
            workdir=workdir,
            workers=workers,
        )
        server.add_users(DEFAULT_USERS if users is None else users)
        self._stack.callback(server.stop)  # before the database it uses is dropped
        return server.start(wait=wait)

    def _new_database(self, engine: str, workdir: Path) -> str:
        if engine == "sqlite":
            return f"sqlite:///{workdir / 'ticketbooth.db'}"
        if engine == "postgresql":
            from tests.databases import postgres_database

            return self._stack.enter_context(postgres_database())
        raise ValueError(f"engine must be 'sqlite' or 'postgresql', not {engine!r}")

    def close(self) -> None:
        self._stack.close()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Start servers for one test; every one is stopped (and its database dropped) after."""
    with ServerPool(tmp_path_factory) as pool:
        yield pool.start
