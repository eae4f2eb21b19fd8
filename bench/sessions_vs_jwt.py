"""JWT versus server-side sessions on a live server: the tutorial's "10x" claim, measured.

The same route, ``GET /me`` answering ``{"userId", "userName", "role"}``, authenticated
in each of these ways by one small FastAPI app (bench/session_app.py, which documents
each dependency):

* bare (no auth):               no dependency: the floor of the stack
* ticketbooth:                  ``ticketbooth.web.require_user``, HS256, the service's
                                default validation cache (10,000 tokens)
* ticketbooth uncached:         the same with ``cache_size=0``: every request verifies
* PyJWT:                        ``jwt.decode`` with the same checks
* SQLite session (SQLAlchemy):  an opaque session id looked up per request, FastAPI-
                                tutorial style: a sync ``get_db`` generator and a sync
                                dependency (both in the threadpool), ``Session.get``
* SQLite session (sqlite3):     the same lookup, stdlib ``sqlite3``, one connection per
                                threadpool thread, a sync dependency (one threadpool trip)
* SQLite session (in loop):     the same query in an ``async def`` dependency, blocking
                                the event loop for its microseconds: what the store itself
                                costs, without the threadpool trips
* Redis session:                ``GET`` of a JSON value with ``redis.asyncio``

Each way runs in its own uvicorn process (uvloop, httptools, log level warning: as
``ticketbooth serve`` runs), all pinned to CPU 0; ``wrk`` is pinned to CPU 1.  The Redis
server is the machine's own at ``--redis-url`` and is not pinned: its CPU time is not
charged to CPU 0, and it answers over loopback, so the Redis figures are a best case for
sessions (a real deployment adds a network round trip).  Without Redis the Redis
variant is skipped, with a message.

1,000 users, each with a token (HS256, the service's issuer and audience) and a session
(a 256-bit random id, in the SQLite table and in Redis); wrk sends the next token or
session id on every request (bench/rotate_tokens.lua).  The bare route gets the tokens
too, and ignores them, so every request is the same size for the client.  Before timing,
every variant is checked: a sample of tokens or sessions answers 200 with the right
user, and a request without a token and one with a forged token or unknown session
answer 401.

A warm-up run of each, then ``--rounds`` rounds; each round runs every variant once, the
order rotating from round to round.  Reported: medians over the rounds, ratios to the
bare route, JWT-versus-session ratios, and a verdict.  Any non-2xx answer or socket error
aborts the run; the servers are stopped at the end, whatever happens.

    .venv/bin/python bench/sessions_vs_jwt.py [--duration 3] [--rounds 3] [--connections 32]
"""

import os
import sys

# This directory also holds http.py, which would shadow the standard library's ``http``
# package (http.client, and everything that imports it) when a script here runs:
# search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import http.client
import importlib.util
import json
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import redis
import session_app
from sqlalchemy import create_engine

from ticketbooth.tokens import Key, KeySet, TokenIssuer

HERE = Path(__file__).resolve().parent
PATH = "/me"
SERVER_CPU = 0
WRK_CPU = 1
SESSION_SECONDS = 3 * 3600
CHECK_SAMPLE = 50
COLUMN = {
    "redis": "Redis",
    "sqlalchemy": "SQLAlchemy",
    "sqlite3": "sqlite3",
    "sqlite3-loop": "sqlite3 in loop",
}
"""Short names of the session variants, for the columns of the ratio tables."""


def load_http_bench() -> ModuleType:
    """bench/http.py (its wrk runner and helpers), imported under a name that is not ``http``."""
    spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    spec.loader.exec_module(module)
    return module


harness = load_http_bench()
Abort = harness.Abort
Run = harness.Run


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    role: str
    token: str
    session_id: str


# -- the users, their tokens and their sessions -----------------------------------------


def make_users(secret: str, count: int) -> list[User]:
    issuer = TokenIssuer(
        KeySet([Key.from_secret(secret.encode())]),
        issuer=session_app.ISSUER,
        audience=session_app.AUDIENCE,
        lifetime=SESSION_SECONDS,
    )
    users = []
    for number in range(1, count + 1):
        user_id, username = str(number), f"user{number:04d}"
        role = "Admin" if number % 10 == 0 else "User"
        token = issuer.issue(subject=user_id, name=username, role=role).token
        users.append(User(user_id, username, role, token, secrets.token_urlsafe(32)))
    return users


def write_sqlite(path: Path, users: list[User], expires_at: int) -> None:
    """The ``sessions`` table (the app's own SQLAlchemy model), one row per user."""
    engine = create_engine(f"sqlite:///{path}")
    session_app.Base.metadata.create_all(engine)
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO sessions (id, user_id, username, role, expires_at) VALUES (?, ?, ?, ?, ?)",
            [(u.session_id, u.user_id, u.username, u.role, expires_at) for u in users],
        )
    connection.close()


def redis_value(user: User, expires_at: int) -> str:
    session = {"userId": user.user_id, "userName": user.username, "role": user.role}
    return json.dumps({**session, "expiresAt": expires_at})


class RedisSessions:
    """The sessions in Redis under a prefix of this run's own, deleted at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"ticketbooth-bench:{secrets.token_hex(6)}:session:"
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        self.keys: list[str] = []

    def reachable(self) -> str | None:
        """None when Redis answers, else why not."""
        try:
            self.client.ping()
        except redis.RedisError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None

    def write(self, users: list[User], expires_at: int) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            for user in users:
                key = self.prefix + user.session_id
                self.keys.append(key)
                pipe.set(key, redis_value(user, expires_at), ex=SESSION_SECONDS)
            pipe.execute()

    def delete(self) -> None:
        for start in range(0, len(self.keys), 500):
            self.client.delete(*self.keys[start : start + 500])
        self.client.close()


# -- the servers ------------------------------------------------------------------------


class AppServer:
    """One bench/session_app.py process serving one mode."""

    def __init__(self, mode: str, workdir: Path, env: dict[str, str], cpu: int | None) -> None:
        self.mode = mode
        self.port = harness.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"server-{mode}.log"
        command = [sys.executable, str(HERE / "session_app.py"), mode, "--port", str(self.port)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                harness.pinned(cpu, command),
                env=env,
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches us; we stop the servers ourselves
            )

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Abort(f"the {self.mode} server exited at start:\n{self.log_tail()}")
            try:
                self.get(None)
                return
            except OSError:
                time.sleep(0.2)
        raise Abort(f"the {self.mode} server did not answer within 60 s:\n{self.log_tail()}")

    def get(self, credential: str | None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {} if credential is None else {"Authorization": f"Bearer {credential}"}
            connection.request("GET", PATH, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def check(server: AppServer, users: list[User]) -> None:
    """Right user for a sample of credentials; 401 without one and with a bad one."""
    uses_sessions = server.mode in session_app.SESSION_MODES
    step = max(1, len(users) // CHECK_SAMPLE)
    for user in users[::step]:
        status, body = server.get(user.session_id if uses_sessions else user.token)
        expected = "anonymous" if server.mode == "bare" else user.username
        if status != 200 or json.loads(body).get("userName") != expected:
            raise Abort(f"{server.mode}: a prepared credential got {status} {body[:200]!r}")
    if server.mode == "bare":
        return
    forged = users[0].token[:-4] + ("AAAA" if not users[0].token.endswith("AAAA") else "BBBB")
    for credential in (None, forged, secrets.token_urlsafe(32)):
        status, body = server.get(credential)
        if status != 401:
            raise Abort(f"{server.mode}: a bad or missing credential got {status} {body[:200]!r}")


# -- the report -------------------------------------------------------------------------

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, all its threads, so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime, stime


@dataclass(frozen=True)
class Sample:
    run: Run
    cpu_us: float
    """The server's CPU time per request, in microseconds."""


def measure(
    server: AppServer, scenario: object, args: argparse.Namespace, cpu: int | None
) -> Sample:
    before = cpu_seconds(server.process.pid)
    run = harness.run_wrk(server, scenario, args.duration, args.connections, cpu)
    used = cpu_seconds(server.process.pid) - before
    return Sample(run, used * 1e6 / (run.requests_per_second * args.duration))


@dataclass(frozen=True)
class Result:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us: float


def median_result(label: str, samples: list[Sample]) -> Result:
    return Result(
        label,
        statistics.median(s.run.requests_per_second for s in samples),
        statistics.median(s.run.p50_ms for s in samples),
        statistics.median(s.run.p99_ms for s in samples),
        statistics.median(s.cpu_us for s in samples),
    )


def report(results: dict[str, Result]) -> None:
    bare = results["bare"]
    columns = ("variant", "requests/s", "p50 ms", "p99 ms", "x bare", "CPU µs/req", "auth µs")
    header = "{:<28}  {:>10}  {:>7}  {:>7}  {:>6}  {:>10}  {:>7}".format(*columns)
    print(header)
    print("-" * len(header))
    for mode, result in results.items():
        extra = "-" if mode == "bare" else f"{result.cpu_us - bare.cpu_us:.0f}"
        print(
            f"{result.label:<28}  {result.rps:>10.0f}  {result.p50_ms:>7.2f}  "
            f"{result.p99_ms:>7.2f}  {result.rps / bare.rps:>5.2f}x  {result.cpu_us:>10.0f}  "
            f"{extra:>7}"
        )
    print()
    print(
        "medians over the rounds; x bare = requests/s / bare requests/s; CPU µs/req = the "
        "server process's\nCPU time (all threads, from /proc) / requests; auth µs = CPU µs/req "
        "- bare CPU µs/req\n(the Redis server's own CPU time is not counted: it runs outside "
        "the server process)"
    )

    jwts = [m for m in session_app.JWT_MODES if m in results]
    sessions = [m for m in session_app.SESSION_MODES if m in results]
    if not jwts or not sessions:
        return
    for title, value in (
        ("requests/s of the JWT variant / requests/s of the session variant", "rps"),
        ("p99 of the session variant / p99 of the JWT variant", "p99"),
        ("CPU µs/req of the session variant / CPU µs/req of the JWT variant", "cpu"),
    ):
        print()
        print(f"JWT versus sessions: {title}")
        width = max(len(COLUMN[m]) for m in sessions)
        print(f"{'':<22}" + "".join(f"  {COLUMN[m]:>{width}}" for m in sessions))
        for jwt_mode in jwts:
            cells = []
            for session_mode in sessions:
                a, b = results[jwt_mode], results[session_mode]
                ratio = {
                    "rps": a.rps / b.rps,
                    "p99": b.p99_ms / a.p99_ms,
                    "cpu": b.cpu_us / a.cpu_us,
                }[value]
                cells.append(f"  {ratio:>{width - 1}.2f}x")
            print(f"{results[jwt_mode].label:<22}" + "".join(cells))
    print()
    print(verdict(results, sessions))


def verdict(results: dict[str, Result], sessions: list[str]) -> str:
    ours, bare = results["ticketbooth"], results["bare"]
    ratios = [(ours.rps / results[m].rps, m) for m in sessions]
    best = max(ratio for ratio, _ in ratios)
    over = [results[m].label for ratio, m in ratios if ratio >= 10]
    if len(over) == len(ratios):
        conclusion = "10x or more against every session store measured"
    elif over:
        conclusion = f"10x or more only against the {' and the '.join(over)}"
    else:
        conclusion = f"at most {best:.1f}x: not 10x"
    by_rps = ", ".join(f"{ratio:.2f}x a {results[m].label}" for ratio, m in ratios)
    by_cpu = ", ".join(f"{results[m].cpu_us / ours.cpu_us:.2f}x" for m in sessions)
    auth = {m: f"{results[m].cpu_us - bare.cpu_us:.0f} µs ({COLUMN[m]})" for m in sessions}
    lines = [
        f"VERDICT: JWT (ticketbooth) serves {by_rps} in requests/s: {conclusion}.",
        f"By the server's CPU time per request (steadier on a busy machine): {by_cpu}.",
        f"Why: with no auth at all a request costs the server {bare.cpu_us:.0f} µs of CPU "
        f"(HTTP, routing, JSON); the token check adds {ours.cpu_us - bare.cpu_us:.0f} µs, the "
        f"session lookups {', '.join(auth.values())}.",
    ]
    if "sqlalchemy" in results and "sqlite3-loop" in results:
        lines.append(
            f"The same SQLite lookup made on the event loop adds "
            f"{results['sqlite3-loop'].cpu_us - bare.cpu_us:.0f} µs: the rest of the SQLAlchemy "
            f"variant's cost is its threadpool trips and ORM session, not the store."
        )
    lines.append(
        f"For 10x, a session lookup would have to cost about {9 * ours.cpu_us:.0f} µs more "
        f"than the token check: 9 times a whole JWT-authenticated request."
    )
    return "\n".join(lines)


# -- the run ----------------------------------------------------------------------------


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    pin = harness.can_pin()
    server_cpu, wrk_cpu = (SERVER_CPU, WRK_CPU) if pin else (None, None)
    print(f"Python {sys.version.split()[0]}; machine: {harness.machine_line()}")
    print(harness.wrk_version())
    print(f"before: {load_line()}")
    if pin:
        print(f"servers pinned to CPU {SERVER_CPU}, wrk to CPU {WRK_CPU} (taskset)")
    else:
        print("WARNING: CPUs 0 and 1 are not both available: servers and wrk run unpinned")

    secret = secrets.token_urlsafe(48)
    users = make_users(secret, args.users)
    expires_at = int(time.time()) + SESSION_SECONDS
    sqlite_path = workdir / "sessions.db"
    write_sqlite(sqlite_path, users, expires_at)
    tokens_file = workdir / "tokens.txt"
    tokens_file.write_text("".join(u.token + "\n" for u in users))
    sessions_file = workdir / "sessions.txt"
    sessions_file.write_text("".join(u.session_id + "\n" for u in users))

    modes = list(session_app.MODES)
    store = RedisSessions(args.redis_url)
    why_not = store.reachable()
    if why_not is not None:
        print(f"SKIPPED: the Redis session variant: Redis at {args.redis_url} is unreachable")
        print(f"         ({why_not})")
        modes.remove("redis")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETBOOTH_", "BENCH_"))}
    env.update(
        BENCH_SECRET=secret,
        BENCH_SQLITE=str(sqlite_path),
        BENCH_REDIS_URL=args.redis_url,
        BENCH_REDIS_PREFIX=store.prefix,
    )

    servers: dict[str, AppServer] = {}
    try:
        if "redis" in modes:
            store.write(users, expires_at)
        for mode in modes:
            servers[mode] = AppServer(mode, workdir, env, server_cpu)
        deadline = time.monotonic() + 60
        for server in servers.values():
            server.wait_ready(deadline)
            check(server, users)
        scenarios = [
            harness.Scenario(
                mode, PATH, sessions_file if mode in session_app.SESSION_MODES else tokens_file
            )
            for mode in modes
        ]
        print(
            f"{len(users)} users, tokens and sessions in rotation; wrk -t1 -c{args.connections}; "
            f"warm-up {args.warmup} s per variant, then {args.rounds} rounds of "
            f"{args.duration} s each"
        )
        print()
        for scenario in scenarios:
            server = servers[scenario.name]
            harness.run_wrk(server, scenario, args.warmup, args.connections, wrk_cpu)
        samples: dict[str, list[Sample]] = {mode: [] for mode in modes}
        for number in range(args.rounds):
            shift = number % len(scenarios)
            for scenario in scenarios[shift:] + scenarios[:shift]:
                sample = measure(servers[scenario.name], scenario, args, wrk_cpu)
                samples[scenario.name].append(sample)
                run = sample.run
                print(
                    f"  round {number + 1}/{args.rounds}  {session_app.MODES[scenario.name]:<28} "
                    f"{run.requests_per_second:>7.0f} req/s  p50 {run.p50_ms:6.2f} ms  "
                    f"p99 {run.p99_ms:6.2f} ms  CPU {sample.cpu_us:5.0f} µs/req",
                    flush=True,
                )
    except Exception:
        for server in servers.values():
            if server.process.poll() is not None or server.log.stat().st_size:
                print(f"{server.mode} server log:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for server in servers.values():
            server.stop()
        if "redis" in modes:
            store.delete()

    print()
    print(f"after: {load_line()}")
    print()
    report({mode: median_result(session_app.MODES[mode], samples[mode]) for mode in modes})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per variant")
    parser.add_argument("--users", type=int, default=1000, help="users (default 1000)")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/0", help="the Redis for the sessions"
    )
    args = parser.parse_args()
    if min(args.duration, args.rounds, args.connections, args.warmup, args.users) < 1:
        parser.error("--duration, --rounds, --connections, --warmup and --users must be >= 1")
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            sys.exit(f"bench/sessions_vs_jwt.py: `{tool}` is not on PATH (apt install {package})")

    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the servers are still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix="ticketbooth-sessions-") as workdir:
            benchmark(args, Path(workdir))
    except Abort as exc:
        sys.exit(f"bench/sessions_vs_jwt.py: ABORTED: {exc}")


if __name__ == "__main__":
    main()
