"""A soak: logins, refreshes, protected requests and logouts together, for a bounded time.

Two real ``ticketbooth serve`` instances share one PostgreSQL database and one Redis
(failed-login limits and access-token revocation on, as a cluster runs them).  ``--clients``
threads each own a user and loop until ``--seconds`` have passed: log in (alternating
instances), then rounds of three ``GET /api/products/my-info``, one ``GET /api/products``
and one refresh (each on either instance), and every ``--rounds-per-login`` rounds a
logout, which ends the login, and a new login.  One more thread asks the bare discovery
route (``GET /.well-known/openid-configuration``: no token, no database) about 50 times a
second the whole time: the floor, measured in the same run on the same loaded servers,
that the other routes' p99 is compared against.

Reported: requests, answers by status per kind, p50 and p99, requests per second, each
instance's resident memory (sampled every second after the warm-up; growth is the least
sample of the second half minus the least of the first, as each login's argon2id briefly
holds 64 MiB), and at the end
``ticketbooth audit verify`` and a check of the refresh-token table (no family with two
live tokens).  The bar: zero 5xx, zero transport errors, a verifying chain, no family with
two live tokens.  The exit status is 1 when it is missed.

    .venv/bin/python bench/soak.py [--seconds 60] [--clients 8]

``TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
names the server a database ``tb_soak_<hex>`` is created on and dropped from afterwards;
``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) the Redis, used under an issuer
of the run's own so nothing clashes.
"""

import os
import sys

# This directory also holds http.py, which would shadow the standard library's ``http``
# package when a script here runs: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import secrets
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = secrets.token_urlsafe(48)
PASSWORD = "soak-password-" + secrets.token_urlsafe(12)
EXPECTED = {"login": 200, "refresh": 200, "my-info": 200, "products": 200, "logout": 204}
FLOOR_PAUSE_SECONDS = 0.02
KINDS = ("floor", "login", "refresh", "my-info", "products", "logout")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    """One ``ticketbooth serve`` process."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.workdir = workdir
        self.env = env
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.workdir / f"{self.name}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ticketbooth", "serve", "--port", str(self.port)],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} died:\n{self.log_tail()}")
            try:
                if httpx.get(self.base_url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start:\n{self.log_tail()}")

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        text_ = (self.workdir / f"{self.name}.log").read_text(errors="replace")
        return "\n".join(text_.splitlines()[-lines:])


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, started: float, outcome: str) -> None:
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            self.statuses[kind][outcome] += 1


def timed(
    results: Results, kind: str, client: httpx.Client, method: str, path: str, **kwargs: Any
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TransportError as exc:
        results.add(kind, started, f"transport error ({type(exc).__name__})")
        return None
    results.add(kind, started, str(response.status_code))
    return response


def client_loop(
    index: int,
    instances: list[Instance],
    deadline: float,
    rounds_per_login: int,
    results: Results,
) -> None:
    user = f"soak{index}"
    clients = [httpx.Client(base_url=i.base_url, timeout=60) for i in instances]
    turn = index
    try:
        while time.monotonic() < deadline:
            turn += 1
            login = timed(
                results,
                "login",
                clients[turn % 2],
                "POST",
                "/api/auth/login",
                json={"username": user, "password": PASSWORD},
            )
            if login is None or login.status_code != 200:
                continue
            access, refresh = login.json()["accessToken"], login.json()["refreshToken"]
            for _ in range(rounds_per_login):
                if time.monotonic() >= deadline:
                    break
                auth = {"Authorization": f"Bearer {access}"}
                for n in range(3):
                    timed(results, "my-info", clients[(turn + n) % 2], "GET",
                          "/api/products/my-info", headers=auth)  # fmt: skip
                timed(results, "products", clients[turn % 2], "GET", "/api/products", headers=auth)
                turn += 1
                answer = timed(
                    results,
                    "refresh",
                    clients[turn % 2],
                    "POST",
                    "/api/auth/refresh-token",
                    json={"refreshToken": refresh},
                )
                if answer is None or answer.status_code != 200:
                    break
                access, refresh = answer.json()["accessToken"], answer.json()["refreshToken"]
            auth = {"Authorization": f"Bearer {access}"}
            timed(results, "logout", clients[(turn + 1) % 2], "POST", "/api/auth/logout",
                  headers=auth)  # fmt: skip
    finally:
        for client in clients:
            client.close()


def floor_loop(instances: list[Instance], deadline: float, results: Results) -> None:
    clients = [httpx.Client(base_url=i.base_url, timeout=60) for i in instances]
    turn = 0
    try:
        while time.monotonic() < deadline:
            turn += 1
            timed(results, "floor", clients[turn % 2], "GET", "/.well-known/openid-configuration")
            time.sleep(FLOOR_PAUSE_SECONDS)  # a probe, not a load of its own
    finally:
        for client in clients:
            client.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def families_with_two_live_tokens(database_url: str) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT family_id FROM refresh_tokens WHERE revoked_at IS NULL"
                    " AND expires_at > now() GROUP BY family_id HAVING count(*) > 1"
                )
            ).all()
    finally:
        engine.dispose()
    return len(rows)


def run_cli(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ticketbooth", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0 and args[:2] != ("audit", "verify"):
        raise SystemExit(f"ticketbooth {' '.join(args)} failed: {result.stderr}")
    return (result.stdout + result.stderr).strip()


def soak(args: argparse.Namespace, database_url: str, workdir: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
    env.update(
        {
            "TICKETBOOTH_DATABASE_URL": database_url,
            "TICKETBOOTH_SECRET_KEY": SECRET,
            "TICKETBOOTH_REDIS_URL": REDIS_URL,
            "TICKETBOOTH_ISSUER": f"tb-soak-{secrets.token_hex(4)}",
            "TICKETBOOTH_REVOKE_ACCESS": "true",
            "TICKETBOOTH_AUDIT_LOG": str(workdir / "audit.jsonl"),
        }
    )
    print(f"==> {args.clients} users", flush=True)
    for index in range(args.clients):
        run_cli(env, workdir, "users", "add", f"soak{index}", "--role", "User",
                "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    run_cli(env, workdir, "demo")  # a few products for GET /api/products
    instances = [Instance("a", workdir, env), Instance("b", workdir, env)]
    try:
        for instance in instances:
            instance.start()
        return drive(args, instances, database_url, env, workdir)
    finally:
        for instance in instances:
            instance.stop()


def drive(
    args: argparse.Namespace,
    instances: list[Instance],
    database_url: str,
    env: dict[str, str],
    workdir: Path,
) -> int:
    print(f"==> soaking for {args.seconds:g} s on two instances", flush=True)
    results = Results()
    started = time.monotonic()
    deadline = started + args.seconds
    threads = [
        threading.Thread(
            target=client_loop, args=(i, instances, deadline, args.rounds_per_login, results)
        )
        for i in range(args.clients)
    ]
    threads.append(threading.Thread(target=floor_loop, args=(instances, deadline, results)))
    for thread in threads:
        thread.start()
    warm = started + min(10.0, args.seconds / 6)
    time.sleep(max(0.0, warm - time.monotonic()))
    samples: list[list[int]] = [[] for _ in instances]
    while any(t.is_alive() for t in threads):
        for i, instance in enumerate(instances):
            samples[i].append(instance.rss_kib())
        time.sleep(1.0)
    elapsed = time.monotonic() - started

    audit = run_cli(env, workdir, "audit", "verify")
    two_live = families_with_two_live_tokens(database_url)
    return report(results, elapsed, instances, samples, audit, two_live)


def report(
    results: Results,
    elapsed: float,
    instances: list[Instance],
    samples: list[list[int]],
    audit: str,
    two_live: int,
) -> int:
    total = sum(len(v) for v in results.latencies.values())
    floor_p99 = percentile(results.latencies["floor"], 0.99)
    print(f"\n{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s), two instances\n")
    print("| kind | requests | answers | p50 ms | p99 ms | p99 of floor |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    bad = 0
    for kind in KINDS:
        values = results.latencies[kind]
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(results.statuses[kind].items()))
        for outcome, count in results.statuses[kind].items():
            expected = str(EXPECTED.get(kind, 200))
            if outcome != expected and (not outcome.isdigit() or int(outcome) >= 500):
                bad += count
        p99 = percentile(values, 0.99)
        print(
            f"| {kind} | {len(values)} | {answers} | {percentile(values, 0.5) * 1000:.1f}"
            f" | {p99 * 1000:.1f} | {p99 / floor_p99:.2f}× |"  # noqa: RUF001 - a multiplication sign
        )
    fivexx = sum(
        n for c in results.statuses.values() for s, n in c.items() if s.isdigit() and int(s) >= 500
    )
    unexpected = {
        f"{kind} {s}": n
        for kind, c in results.statuses.items()
        for s, n in c.items()
        if s != str(EXPECTED.get(kind, 200))
    }
    # Each login's argon2id holds 64 MiB for a moment, so single samples jump; the least
    # RSS of the first and of the last half of the run (after the warm-up) is the
    # baseline, and growth is the difference between the two.
    print(
        "\n| instance | least RSS, 1st half MiB | least RSS, 2nd half MiB | growth MiB | peak MiB |"
    )
    print("| --- | ---: | ---: | ---: | ---: |")
    for instance, series in zip(instances, samples, strict=True):
        half = max(1, len(series) // 2)
        first, second = min(series[:half]), min(series[half:] or series)
        print(
            f"| {instance.name} | {first / 1024:.1f} | {second / 1024:.1f}"
            f" | {(second - first) / 1024:+.1f} | {max(series) / 1024:.1f} |"
        )
    print(f"\n5xx: {fivexx}; transport errors and 5xx: {bad}; other unexpected: {unexpected}")
    print(f"audit verify: {audit}")
    print(f"refresh-token families with two live tokens: {two_live}")
    passed = bad == 0 and audit.startswith("audit log intact") and two_live == 0
    print("PASS: zero 5xx, chain verifies" if passed else "FAIL")
    return 0 if passed else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to soak")
    parser.add_argument("--clients", type=int, default=8, help="client threads (one user each)")
    parser.add_argument(
        "--rounds-per-login", type=int, default=20, help="refresh rounds before a logout"
    )
    args = parser.parse_args()
    name = f"tb_soak_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        with tempfile.TemporaryDirectory(prefix="tb-soak-") as workdir:
            code = soak(args, url, Path(workdir))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    raise SystemExit(code)


if __name__ == "__main__":
    main()
