"""What ticketbooth's framework adapters cost: each framework's bare route vs protected.

For each framework, one server process (the server its docs recommend: gunicorn for
Flask and Django REST framework, uvicorn for Litestar and Starlette; one worker) serving
bench/apps/framework_apps.py, pinned to CPU 0; ``wrk`` pinned to CPU 1.  On that one server:

* bare:        ``GET /bare``, no protection (the request still carries the token)
* ticketbooth: ``GET /ticketbooth``, protected by the ticketbooth adapter
* pyjwt:       ``GET /pyjwt``, protected by PyJWT as that framework's tutorials write it

One HS256 token (minted with the secret, issuer and audience the apps check) is reused
on every request.  A warm-up run of each route, then ``--rounds`` rounds; each round
runs every route once, the order rotating.  Reported: medians, and each route's
requests/s as a ratio of the bare route's.  Any non-2xx answer aborts the run.

    .venv/bin/python bench/frameworks.py [--duration 5] [--rounds 3] [--connections 32]
                                         [--only flask,django,litestar,starlette]
"""

from __future__ import annotations

import os
import sys

# This directory holds http.py, which would shadow the standard library's ``http``
# package when run as a script: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ticketbooth.tokens import Key, KeySet, TokenIssuer

HERE = Path(__file__).resolve().parent
LUA = HERE / "rotate_tokens.lua"
APPS = HERE / "apps"
BIN = Path(sys.executable).parent
SERVER_CPU, WRK_CPU = 0, 1
ISSUER, AUDIENCE = "ticketbooth", "ticketbooth-api"
ROUTES = ("bare", "ticketbooth", "pyjwt")
TARGET = 0.90
"""The issue's bar: the protected route keeps at least 90% of the bare route's requests/s."""


class Abort(Exception):
    """The benchmark cannot give a meaningful answer; the message says why."""


@dataclass(frozen=True)
class Framework:
    name: str
    server: str
    command: list[str]


def frameworks(port: int) -> list[Framework]:
    bind = f"127.0.0.1:{port}"
    gunicorn = [
        str(BIN / "gunicorn"), "--chdir", str(APPS), "--bind", bind, "--workers", "1",
        "--worker-class", "gthread", "--threads", "8", "--log-level", "warning",
    ]  # fmt: skip
    uvicorn = [
        str(BIN / "uvicorn"), "--app-dir", str(APPS), "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--log-level", "warning",
        "--no-access-log", "--factory",
    ]  # fmt: skip
    return [
        Framework("flask", "gunicorn (gthread)", [*gunicorn, "framework_apps:flask_app()"]),
        Framework("django", "gunicorn (gthread)", [*gunicorn, "framework_apps:django_app()"]),
        Framework("litestar", "uvicorn", [*uvicorn, "framework_apps:litestar_app"]),
        Framework("starlette", "uvicorn", [*uvicorn, "framework_apps:starlette_app"]),
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int | None, command: list[str]) -> list[str]:
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


class Server:
    def __init__(self, framework: Framework, port: int, env: dict[str, str], log: Path):
        self.framework, self.port, self.env, self.log = framework, port, env, log
        self.base_url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, cpu: int | None, token: str) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                pinned(cpu, self.framework.command),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Abort(f"{self.framework.name} exited at start:\n{self.log.read_text()}")
            try:
                statuses = [get(f"{self.base_url}/{route}", token) for route in ROUTES]
            except OSError:
                time.sleep(0.2)
                continue
            if statuses != [200, 200, 200]:
                raise Abort(f"{self.framework.name}: routes answered {statuses}, not 200")
            if get(f"{self.base_url}/ticketbooth", token[:-2]) != 401:
                raise Abort(f"{self.framework.name}: a tampered token was not refused")
            return
        raise Abort(f"{self.framework.name} did not answer within 60 s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


RESULT = re.compile(
    r"RESULT requests=(\d+) duration_us=(\d+) p50_us=([\d.]+) p99_us=([\d.]+) "
    r"connect=(\d+) read=(\d+) write=(\d+) status=(\d+) timeout=(\d+)"
)


def run_wrk(url: str, token_file: Path, duration: int, connections: int, cpu: int | None) -> float:
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
        "-s", str(LUA), url, "--", str(token_file),
    ]  # fmt: skip
    result = subprocess.run(
        pinned(cpu, command), capture_output=True, text=True, timeout=duration + 60
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise Abort(f"wrk failed ({result.returncode}) on {url}:\n{output}")
    if "Non-2xx" in output:
        raise Abort(f"{url}: not every answer was a 2xx:\n{output}")
    match = RESULT.search(result.stdout)
    if match is None:
        raise Abort(f"no RESULT line from wrk on {url}:\n{output}")
    requests, duration_us, _p50, _p99, *errors = (float(g) for g in match.groups())
    if requests == 0 or any(errors[1:]):  # connect errors are gunicorn closing idle sockets
        raise Abort(f"{url}: {requests:.0f} requests, errors {errors}:\n{output}")
    return requests / (duration_us / 1e6)


def can_pin() -> bool:
    try:
        return {SERVER_CPU, WRK_CPU} <= os.sched_getaffinity(0)
    except AttributeError:
        return False


def measure(
    framework: Framework, args: argparse.Namespace, workdir: Path, token: str, pin: bool
) -> dict[str, float]:
    port = free_port()
    framework = next(f for f in frameworks(port) if f.name == framework.name)
    env = {**os.environ, "BENCH_SECRET": args.secret, "BENCH_ISSUER": ISSUER}
    env["BENCH_AUDIENCE"] = AUDIENCE
    server = Server(framework, port, env, workdir / f"{framework.name}.log")
    token_file = workdir / "token.txt"
    server_cpu, wrk_cpu = (SERVER_CPU, WRK_CPU) if pin else (None, None)
    try:
        server.start(server_cpu, token)
        urls = {route: f"{server.base_url}/{route}" for route in ROUTES}
        for route in ROUTES:
            run_wrk(urls[route], token_file, args.warmup, args.connections, wrk_cpu)
        runs: dict[str, list[float]] = {route: [] for route in ROUTES}
        for number in range(args.rounds):
            shift = number % len(ROUTES)
            for route in ROUTES[shift:] + ROUTES[:shift]:
                rps = run_wrk(urls[route], token_file, args.duration, args.connections, wrk_cpu)
                runs[route].append(rps)
                print(
                    f"  {framework.name:<10} round {number + 1}/{args.rounds}  "
                    f"{route:<12} {rps:>8.0f} req/s",
                    flush=True,
                )
    finally:
        server.stop()
    return {route: statistics.median(values) for route, values in runs.items()}


def benchmark(args: argparse.Namespace, workdir: Path) -> bool:
    pin = can_pin()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    if pin:
        print(f"servers pinned to CPU {SERVER_CPU}, wrk to CPU {WRK_CPU} (taskset)")
    else:
        print("WARNING: CPUs 0 and 1 are not both available: servers and wrk run unpinned")
    issued = TokenIssuer(
        KeySet([Key.from_secret(args.secret.encode())]),
        issuer=ISSUER,
        audience=AUDIENCE,
        lifetime=24 * 3600,
    ).issue(subject="1", name="bench", role="User", email="bench@example.com")
    (workdir / "token.txt").write_text(issued.token + "\n")
    print(
        f"wrk -t1 -c{args.connections}; one reused HS256 token; warm-up {args.warmup} s per "
        f"route, then {args.rounds} rounds of {args.duration} s"
    )
    results: dict[str, dict[str, float]] = {}
    chosen = [f for f in frameworks(0) if f.name in args.only]
    for framework in chosen:
        results[framework.name] = measure(framework, args, workdir, issued.token, pin)

    print()
    header = (
        f"{'framework':<10} {'server':<19} {'bare':>8} {'ticketbooth':>11} {'pyjwt':>8}"
        f"  {'tb/bare':>7}  {'pyjwt/bare':>10}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for framework in chosen:
        rps = results[framework.name]
        tb, pj = rps["ticketbooth"] / rps["bare"], rps["pyjwt"] / rps["bare"]
        met = met and tb >= TARGET
        print(
            f"{framework.name:<10} {framework.server:<19} {rps['bare']:>8.0f} "
            f"{rps['ticketbooth']:>11.0f} {rps['pyjwt']:>8.0f}  {tb:>6.2f}x  {pj:>9.2f}x"
        )
    print()
    print("requests/s, medians over the rounds; ratio = the route's requests/s / bare's")
    verdict = "met" if met else "NOT met"
    print(f"target: ticketbooth/bare >= {TARGET:.2f} for every framework: {verdict}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per route")
    parser.add_argument(
        "--only", default="flask,django,litestar,starlette", help="comma-separated frameworks"
    )
    args = parser.parse_args()
    args.only = set(args.only.split(","))
    args.secret = secrets.token_urlsafe(48)
    if min(args.duration, args.rounds, args.connections, args.warmup) < 1:
        parser.error("--duration, --rounds, --connections and --warmup must be at least 1")
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            sys.exit(f"bench/frameworks.py: `{tool}` is not on PATH (apt-get install {package})")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix="ticketbooth-bench-") as workdir:
            benchmark(args, Path(workdir))
    except Abort as exc:
        sys.exit(f"bench/frameworks.py: ABORTED: {exc}")


if __name__ == "__main__":
    main()
