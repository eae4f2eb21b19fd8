"""Refresh-token rotation against the database's own limit for it.

The service: one ``ticketbooth serve`` pinned to CPU 0, on a fresh PostgreSQL database
(``--postgres``, default the test server at 127.0.0.1:5432, user postgres) and then on a
fresh SQLite file; ``--clients`` (10, the size of the service's connection pool) threads
on CPU 1, each holding one refresh-token family from a real login and rotating it again
and again with ``POST /api/auth/refresh-token`` on its own keep-alive connection:
refreshes per second, counted over a window that starts ``--ramp`` seconds in.

The limit: a process on the same CPU running, on the same database (same schema, same
indexes, same rows so far), the SQL statements of one rotation as ticketbooth issues them
(the ones the benchmark prints off the service's own engine, see below, in the same order:
the token, the user, the rotation, the successor, the session's touch returning ``amr``,
the audit row last; the audit append's text is the service's own), written out by hand with
plain ``psycopg`` (``sqlite3`` for SQLite) in ONE transaction per rotation, over a pool of
the same size (``--clients`` connections, one per thread, never pinged): the database's
own limit for that transaction.  Its audit rows continue the same hash chain.

Statements and round trips per refresh: counted in this process on the service's own
code (``AuthService.refresh`` over ``ticketbooth.assembly.build``) with SQLAlchemy events:
every statement, every ``BEGIN``/``COMMIT``/``ROLLBACK`` (each a round trip with psycopg),
and every pool pre-ping.  Printed with the statements themselves.

A warm-up, then ``--rounds`` rounds of the service and the limit in turn (order
rotating); medians and the per-round ratio.

    .venv/bin/python bench/refresh.py [--duration 5] [--rounds 3] [--clients 10]

``--profile DIR`` also records the service with py-spy (``pip install py-spy``) during
one extra storm on each database: ``DIR/<database>.txt`` in py-spy's collapsed-stack
format, and the hottest functions (every thread: the route runs in the thread pool;
only the thread holding the GIL is sampled, so the shares are of the Python CPU time).
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
import hashlib
import http.client
import importlib.util
import json
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from ticketbooth.store import audit as audit_store
from ticketbooth.store.records import AuditEvent

HERE = Path(__file__).resolve().parent
SERVER_CPU = 0
CLIENT_CPU = 1
REFRESH_PATH = "/api/auth/refresh-token"
TARGET_RATIO = 0.5
GENESIS = "0" * 64


def load_http_bench() -> ModuleType:
    """bench/http.py (its server and helpers), imported under a name not ``http``."""
    spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    spec.loader.exec_module(module)
    return module


harness = load_http_bench()
Abort = harness.Abort


# -- the limit: one rotation's statements in one transaction, plain DB-API ---------------


class Dialect:
    """What differs between psycopg and sqlite3 for the same statements."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")

    def connect(self) -> Any:
        if self.sqlite:
            import sqlite3

            connection = sqlite3.connect(
                self.url.split("///", 1)[1], timeout=30, check_same_thread=False
            )
            for pragma in ("foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
                connection.execute(f"PRAGMA {pragma}")
            return connection
        import psycopg

        return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))

    def sql(self, statement: str) -> str:
        if self.sqlite:
            return statement.replace("%s", "?").replace(" FOR UPDATE", "")
        return statement

    def time(self, value: datetime) -> Any:
        # The service's UTCDateTime stores naive UTC in SQLite, aware UTC in PostgreSQL.
        return value.replace(tzinfo=None).isoformat(" ") if self.sqlite else value


SELECT_TOKEN = (
    "SELECT id, user_id, family_id, parent_id, token_hash, issued_at, expires_at, revoked_at, "
    "revoked_reason, replaced_by FROM refresh_tokens WHERE token_hash = %s"
)
SELECT_USER = (
    "SELECT id, username, email, password_hash, role, is_disabled, created_at, updated_at "
    "FROM users WHERE id = %s"
)
REVOKE_OLD = (
    "UPDATE refresh_tokens SET revoked_at = %s, revoked_reason = 'rotated', replaced_by = %s "
    "WHERE id = %s AND revoked_at IS NULL AND expires_at > %s"
)
INSERT_TOKEN = (
    "INSERT INTO refresh_tokens (id, user_id, family_id, parent_id, token_hash, issued_at, "
    "expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
TOUCH_SESSION = "UPDATE sessions SET last_used_at = %s WHERE id = %s RETURNING amr"
INSERT_SESSION = (
    "INSERT INTO sessions (id, user_id, created_at, last_used_at, amr) VALUES (%s, %s, %s, %s, %s)"
)
# The audit append: on PostgreSQL the service's own statement (one round trip: the head
# locked, moved on and the row inserted, the hash computed by the database); on SQLite
# the three statements it sends there.
APPEND_POSTGRESQL = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", str(audit_store.APPEND_POSTGRESQL.text))
TAKE_HEAD = "UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1 RETURNING last_id, last_hash"
INSERT_AUDIT = (
    "INSERT INTO audit_events (id, at, event, outcome, user_id, username, address, "
    "user_agent, detail, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
MOVE_HEAD = "UPDATE audit_head SET last_hash = %s WHERE id = 1"
LIMIT_STATEMENTS = {"postgresql": 6, "sqlite": 8}


def limit_rotation(dialect: Dialect, connection: Any, token: str) -> str:
    """One rotation of ``token`` in one transaction, the service's statements in its
    order (the audit row last); the new token."""
    sql = dialect.sql
    cursor = connection.cursor()
    now = datetime.now(UTC)
    cursor.execute(sql(SELECT_TOKEN), (hashlib.sha256(token.encode()).hexdigest(),))
    row = cursor.fetchone()
    assert row is not None and row[7] is None, "the limit's token is unknown or revoked"
    cursor.execute(sql(SELECT_USER), (row[1],))
    user = cursor.fetchone()
    assert user is not None
    new_token, new_id = secrets.token_urlsafe(32), str(uuid.uuid4())
    cursor.execute(sql(REVOKE_OLD), (dialect.time(now), new_id, row[0], dialect.time(now)))
    assert cursor.rowcount == 1
    cursor.execute(
        sql(INSERT_TOKEN),
        (
            new_id, user[0], row[2], row[0], hashlib.sha256(new_token.encode()).hexdigest(),
            dialect.time(now), dialect.time(now + timedelta(days=7)),
        ),
    )  # fmt: skip
    cursor.execute(sql(TOUCH_SESSION), (dialect.time(now), row[2]))
    assert cursor.fetchone() is not None, "the limit's session is missing"
    event = AuditEvent(
        at=now, event="refresh", outcome="success", user_id=user[0], username=user[1],
        address="127.0.0.1", user_agent=None, detail={},
    )  # fmt: skip
    detail = "{}"
    tail = audit_store._tail(event, detail)
    if dialect.sqlite:
        cursor.execute(sql(TAKE_HEAD))
        row_id, prev_hash = cursor.fetchone()
        digest = audit_store._chain_hash(prev_hash, row_id, tail)
        cursor.execute(
            sql(INSERT_AUDIT),
            (
                row_id, dialect.time(now), "refresh", "success", user[0], user[1], "127.0.0.1",
                None, detail, prev_hash, digest,
            ),
        )  # fmt: skip
        cursor.execute(sql(MOVE_HEAD), (digest,))
    else:
        cursor.execute(
            APPEND_POSTGRESQL,
            {
                "tail": tail, "at": now, "event": "refresh", "outcome": "success",
                "user_id": user[0], "username": user[1], "address": "127.0.0.1",
                "user_agent": None, "detail": detail,
            },
        )  # fmt: skip
        cursor.fetchone()
    connection.commit()
    cursor.close()
    return new_token


def seed_limit_tokens(dialect: Dialect, connection: Any, user_id: int, count: int) -> list[str]:
    """``count`` fresh sessions of ``user_id``, each with its first refresh token."""
    cursor = connection.cursor()
    now = datetime.now(UTC)
    tokens = []
    for _ in range(count):
        token, token_id = secrets.token_urlsafe(32), str(uuid.uuid4())
        cursor.execute(
            dialect.sql(INSERT_SESSION),
            (token_id, user_id, dialect.time(now), dialect.time(now), "pwd"),
        )
        cursor.execute(
            dialect.sql(INSERT_TOKEN),
            (
                token_id, user_id, token_id, None, hashlib.sha256(token.encode()).hexdigest(),
                dialect.time(now), dialect.time(now + timedelta(days=7)),
            ),
        )  # fmt: skip
        tokens.append(token)
    connection.commit()
    cursor.close()
    return tokens


def run_limit(url: str, clients: int, seconds: float, ramp: float) -> None:
    """The limit's process: print rotations/s over ``seconds`` after ``ramp``."""
    dialect = Dialect(url)
    connections = [dialect.connect() for _ in range(clients)]
    cursor = connections[0].cursor()
    cursor.execute(dialect.sql("SELECT id FROM users WHERE username = %s"), (harness.USERNAME,))
    user_id = cursor.fetchone()[0]
    cursor.close()
    connections[0].commit()
    tokens = seed_limit_tokens(dialect, connections[0], user_id, clients)
    window: dict[str, float] = {}
    counts = [0] * clients
    failures: list[str] = []
    start = threading.Event()

    def worker(index: int) -> None:
        token, connection = tokens[index], connections[index]
        start.wait()
        try:
            while True:
                token = limit_rotation(dialect, connection, token)
                finished = time.monotonic()
                if finished > window["end"]:
                    return
                if finished >= window["start"]:
                    counts[index] += 1
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    now = time.monotonic()
    window.update(start=now + ramp, end=now + ramp + seconds)
    start.set()
    for thread in threads:
        thread.join()
    for connection in connections:
        connection.close()
    if failures:
        sys.exit(f"the limit failed: {failures[0]}")
    print(f"LIMIT rotations={sum(counts)} seconds={seconds}")


def measure_limit(
    url: str, args: argparse.Namespace, cpu: int | None, env: dict[str, str]
) -> float:
    command = [sys.executable, __file__, "--limit", url, "--clients", str(args.clients)]
    command += ["--duration", str(args.duration), "--ramp", str(args.ramp)]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    result = subprocess.run(  # a session of its own, as the server has (autogroups)
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=args.duration + 120,
        start_new_session=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("LIMIT "):
            fields = dict(item.split("=") for item in line.split()[1:])
            return int(fields["rotations"]) / float(fields["seconds"])
    raise Abort(f"the limit's run failed:\n{result.stdout}\n{result.stderr}")


# -- the service ---------------------------------------------------------------------------


class RefreshServer(harness.Server):  # type: ignore[misc, name-defined]
    """``ticketbooth serve`` on the given database."""

    def __init__(self, workdir: Path, cpu: int | None, url: str) -> None:
        workdir.mkdir()
        super().__init__(workdir, cpu)
        self.url = url
        self.env["TICKETBOOTH_DATABASE_URL"] = url


def login_tokens(server: Any, password: str, count: int) -> list[str]:
    """``count`` refresh tokens from real logins (one family each)."""
    tokens: list[str] = []
    body = {"username": harness.USERNAME, "password": password}
    for _ in range(count):
        tokens.append(str(server.post_json("/api/auth/login", body)["refreshToken"]))
    return tokens


def refresh_storm(
    server: Any, tokens: list[str], seconds: float, ramp: float, cpu: int | None
) -> float:
    """Refreshes/s of ``len(tokens)`` clients rotating their families; tokens updated."""
    window: dict[str, float] = {}
    counts = [0] * len(tokens)
    failures: list[str] = []
    start = threading.Event()

    def client(index: int) -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})  # this thread only
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        headers = {"Content-Type": "application/json"}
        start.wait()
        try:
            while True:
                body = json.dumps({"refreshToken": tokens[index]}).encode()
                connection.request("POST", REFRESH_PATH, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200:
                    failures.append(f"{response.status} {answer[:200]!r}")
                    return
                tokens[index] = json.loads(answer)["refreshToken"]
                finished = time.monotonic()
                if finished > window["end"]:
                    return
                if finished >= window["start"]:
                    counts[index] += 1
        except (OSError, http.client.HTTPException) as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    now = time.monotonic()
    window.update(start=now + ramp, end=now + ramp + seconds)
    start.set()
    for thread in threads:
        thread.join()
    if failures:
        raise Abort(f"a refresh failed: {failures[0]}")
    return sum(counts) / seconds


# -- statements and round trips per refresh, on the service's own code -------------------


@dataclass
class Trips:
    statements: list[str]
    engine: str = "postgresql"
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0

    @property
    def round_trips(self) -> int:
        return len(self.statements) + self.begins + self.commits + self.rollbacks + self.pings


@contextmanager
def counting(engine: Any) -> Iterator[Trips]:
    """Count what ``engine`` sends while the block runs."""
    from sqlalchemy import event

    trips = Trips([], engine.dialect.name)

    def on_execute(*args: Any) -> None:
        trips.statements.append(" ".join(str(args[2]).split()))

    def on(kind: str) -> Callable[..., None]:
        def count(connection: Any, *_args: Any) -> None:
            # An autocommit connection's "transaction" sends nothing (psycopg's
            # autocommit attribute; sqlite3's isolation_level None).
            dbapi = connection.connection.dbapi_connection
            if type(dbapi).__module__.startswith("sqlite3"):
                if dbapi.isolation_level is None:
                    return
            elif dbapi.autocommit:
                return
            setattr(trips, kind, getattr(trips, kind) + 1)

        return count

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", on_execute),
        ("begin", on("begins")),
        ("commit", on("commits")),
        ("rollback", on("rollbacks")),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    dialect = engine.dialect
    original_ping = dialect.do_ping

    def ping(connection: Any) -> bool:
        trips.pings += 1
        return bool(original_ping(connection))

    dialect.do_ping = ping
    try:
        yield trips
    finally:
        dialect.do_ping = original_ping
        for name, listener in listeners:
            event.remove(engine, name, listener)


def count_round_trips(server: Any, token: str, rotations: int = 20) -> tuple[Trips, int]:
    """What one ``AuthService.refresh`` sends, averaged over ``rotations`` in a chain."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in server.env.items() if k.startswith("TICKETBOOTH_")})
    try:
        from ticketbooth.assembly import build
        from ticketbooth.config import load_settings

        services = build(load_settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        token = services.auth.refresh(token).refresh_token  # warm: connections, caches
        with counting(services.db.engine) as trips:
            for _ in range(rotations):
                token = services.auth.refresh(token).refresh_token
    finally:
        services.close()
    return trips, rotations


def describe(trips: Trips, rotations: int) -> list[str]:
    per = len(trips.statements) / rotations
    lines = [
        f"{per:.1f} statements, {trips.begins / rotations:.1f} BEGIN, "
        f"{trips.commits / rotations:.1f} COMMIT, {trips.rollbacks / rotations:.1f} ROLLBACK, "
        f"{trips.pings / rotations:.1f} pool pre-pings: "
        f"{trips.round_trips / rotations:.1f} round trips per refresh "
        f"(the limit: BEGIN, {LIMIT_STATEMENTS[trips.engine]} statements, COMMIT, no pre-ping)"
    ]
    first = trips.statements[: round(per)]
    lines += [f"    {statement[:150]}" for statement in first]
    return lines


# -- the run ---------------------------------------------------------------------------------


def postgres_reachable(base: str) -> bool:
    """Whether the PostgreSQL server answers; says so when it does not (CI set: abort)."""
    import psycopg

    try:
        psycopg.connect(
            base.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=5
        ).close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {base} is not reachable ({str(exc).strip()})"
        if os.environ.get("CI"):
            raise Abort(message) from exc
        print(f"SKIPPED PostgreSQL: {message}")
        return False
    return True


@contextmanager
def postgres_database(base: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the server of ``base``; dropped afterwards."""
    import psycopg

    name = f"ticketbooth_bench_{secrets.token_hex(4)}"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_database(
    label: str, url: str, args: argparse.Namespace, workdir: Path, pin: bool
) -> dict[str, Any]:
    server_cpu, client_cpu = (SERVER_CPU, CLIENT_CPU) if pin else (None, None)
    server = RefreshServer(workdir / label, server_cpu, url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
    service: list[float] = []
    limit: list[float] = []
    try:
        password = harness.add_user(server)
        server.start()
        tokens = login_tokens(server, password, args.clients + 1)
        trips, rotations = count_round_trips(server, tokens.pop())
        print(f"{label}: {describe(trips, rotations)[0]}")
        for line in describe(trips, rotations)[1:]:
            print(line)
        refresh_storm(server, tokens, args.warmup, 0, client_cpu)
        measure_limit(url, argparse.Namespace(**{**vars(args), "duration": args.warmup}),
                      server_cpu, env)  # fmt: skip
        for number in range(args.rounds):
            for step in ("service", "limit") if number % 2 == 0 else ("limit", "service"):
                if step == "service":
                    rate = refresh_storm(server, tokens, args.duration, args.ramp, client_cpu)
                    service.append(rate)
                else:
                    rate = measure_limit(url, args, server_cpu, env)
                    limit.append(rate)
                print(f"  {label} round {number + 1}/{args.rounds}  {step:<8} {rate:8.1f}/s",
                      flush=True)  # fmt: skip
        if args.profile is not None:
            profile_storm(server, tokens, args, client_cpu, args.profile / f"{label.lower()}.txt")
    except Exception:
        if server.process is not None:
            print(f"server log (last lines):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
    return {
        "label": label,
        "service": statistics.median(service),
        "limit": statistics.median(limit),
        "ratios": [s / x for s, x in zip(service, limit, strict=True)],
        "trips": trips,
        "rotations": rotations,
    }


def profile_storm(
    server: Any, tokens: list[str], args: argparse.Namespace, cpu: int | None, output: Path
) -> None:
    """One more storm with py-spy recording the service; print its hottest functions."""
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        harness.py_spy(), "record", "--pid", str(server.process.pid), "--format", "raw",
        "--rate", "250", "--nonblocking", "--gil", "--output", str(output),
        "--duration", str(args.duration),
    ]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        refresh_storm(server, tokens, args.duration, 0, cpu)
    finally:
        spy.wait(timeout=args.duration + 60)
    print(f"  profile: {output}")
    for line in harness.summarize(output, under=None)[: args.profile_lines]:
        print(f"    {line}")


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    pin = harness.can_pin()
    print(f"Python {sys.version.split()[0]}; machine: {harness.machine_line()}")
    if pin:
        print(f"server and limit on CPU {SERVER_CPU}, clients on CPU {CLIENT_CPU}")
    else:
        print("WARNING: CPUs 0 and 1 are not both available: nothing is pinned")
    print(
        f"{args.clients} clients / connections; warm-up {args.warmup} s, then {args.rounds} "
        f"rounds of {args.duration} s counted {args.ramp} s in"
    )
    print()
    results = []
    if args.postgres and postgres_reachable(args.postgres):
        with postgres_database(args.postgres) as url:
            results.append(bench_database("PostgreSQL", url, args, workdir, pin))
    if not args.no_sqlite:
        url = f"sqlite:///{workdir / 'refresh.db'}"
        results.append(bench_database("SQLite", url, args, workdir, pin))
    print()
    header = f"{'database':<11}  {'service/s':>9}  {'limit/s':>8}  {'ratio':>6}  round trips"
    print(header)
    print("-" * len(header))
    for result in results:
        trips: Trips = result["trips"]
        print(
            f"{result['label']:<11}  {result['service']:>9.1f}  {result['limit']:>8.1f}  "
            f"{result['service'] / result['limit']:>5.2f}x  "
            f"{trips.round_trips / result['rotations']:.1f} per refresh (per-round ratios "
            f"{', '.join(f'{r:.2f}' for r in result['ratios'])})"
        )
    print()
    print(f"target: service >= {TARGET_RATIO}x the limit on PostgreSQL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--clients", type=int, default=10, help="clients = pool (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up (default 2)")
    parser.add_argument("--ramp", type=float, default=1, help="seconds before counting")
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="an existing database on the PostgreSQL server to use ('' to skip PostgreSQL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument(
        "--profile", type=Path, default=None, help="record py-spy profiles into this directory"
    )
    parser.add_argument(
        "--profile-lines", type=int, default=60, help="functions shown per profile (default 60)"
    )
    parser.add_argument("--limit", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.limit:
        run_limit(args.limit, args.clients, args.duration, args.ramp)
        return
    if min(args.duration, args.rounds, args.clients, args.warmup) < 1 or args.ramp < 0:
        parser.error("every count and duration must be at least 1 (--ramp at least 0)")
    if shutil.which("taskset") is None:
        sys.exit("bench/refresh.py: `taskset` is not on PATH (apt-get install util-linux)")

    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the server is still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix="ticketbooth-refresh-") as workdir:
            benchmark(args, Path(workdir))
    except Abort as exc:
        sys.exit(f"bench/refresh.py: ABORTED: {exc}")


if __name__ == "__main__":
    main()
