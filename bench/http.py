"""What a live server's request path costs against the framework floor: wrk, four scenarios.

Two servers, one after the other pinned to CPU 0 (``wrk`` pinned to CPU 1, so client and
server do not share a core), both up for the whole run:

* the framework floor: bench/floor_app.py, an empty FastAPI app with one route answering
  my-info's JSON, no middleware, served with the same uvicorn settings as ``serve``;
* one ``ticketbooth serve`` (a fresh temporary directory and SQLite database, an HMAC
  secret from the environment, day-long access tokens).

Scenarios:

* floor:     ``GET /api/products/my-info`` on the floor app, no token
* discovery: ``GET /.well-known/openid-configuration`` on ticketbooth, no token
* distinct:  ``GET /api/products/my-info`` with 1,000 distinct valid tokens in turn
             (one from a real login, the rest minted with the server's own secret,
             issuer, audience and ``kid`` through ``ticketbooth.tokens``)
* reused:    ``GET /api/products/my-info`` with one token on every request

A warm-up run of each, then ``--rounds`` rounds; each round runs every scenario once,
the order rotating from round to round.  Reported: the median of the rounds, each as a
ratio of the floor (requests/s, and p99).  Any non-2xx answer or socket error aborts
the run.  Also reported: ticketbooth's resident memory (``VmRSS``) idle after start-up,
and after at least ``--memory-requests`` (100,000) requests with the distinct tokens
(more runs of that scenario are added when the rounds served fewer).  The servers are
stopped at the end, whatever happens.

    .venv/bin/python bench/http.py [--duration 3] [--rounds 5] [--connections 32]

``--profile DIR`` also records the ticketbooth server with py-spy (``pip install
py-spy``) during one extra run of each of its scenarios: ``DIR/<scenario>.txt`` in
py-spy's collapsed-stack format, and a summary of the hottest functions printed.
"""

import os
import sys

# This directory holds this very file, http.py, which would shadow the standard
# library's ``http`` package (``http.client``) when run as a script: search it last.
sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import base64
import http.client
import json
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ticketbooth.tokens import Key, KeySet, TokenIssuer

HERE = Path(__file__).resolve().parent
LUA = HERE / "rotate_tokens.lua"
FLOOR_APP = HERE / "floor_app.py"
SERVER_CPU = 0
WRK_CPU = 1
BARE_PATH = "/.well-known/openid-configuration"
PROTECTED_PATH = "/api/products/my-info"
USERNAME = "bench"
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


class Abort(Exception):
    """The benchmark cannot give a meaningful answer; the message says why."""


@dataclass(frozen=True)
class Scenario:
    name: str
    server: "Server"
    path: str
    token_file: Path | None


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    cpu_us: float = 0.0
    """The server's CPU time (user + system, all threads) per request, in microseconds."""


# -- the server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int | None, command: list[str]) -> list[str]:
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


class Server:
    """A ticketbooth server in its own temporary directory."""

    def __init__(self, workdir: Path, cpu: int | None) -> None:
        self.workdir = workdir
        self.cpu = cpu
        self.secret = secrets.token_urlsafe(48)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "server.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
        self.env.update(
            TICKETBOOTH_DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}",
            TICKETBOOTH_SECRET_KEY=self.secret,
            TICKETBOOTH_ACCESS_MINUTES="1440",  # no token expires during the run
        )
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "ticketbooth", *args],
            env=self.env,
            cwd=self.workdir,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise Abort(f"ticketbooth {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def command(self) -> list[str]:
        return [sys.executable, "-m", "ticketbooth", "serve", "--port", str(self.port)]

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                pinned(self.cpu, self.command()),
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches us; we stop the server ourselves
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Abort(f"the server exited at start:\n{self.log_tail()}")
            try:
                if self.request("GET", "/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise Abort(f"the server did not answer /health within 60 s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the server process so far (``/proc/PID/stat``)."""
        if self.process is None:
            raise Abort("the server is not running")
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime, stime

    def rss_mib(self) -> float:
        """The server process's resident memory now (``VmRSS``), in MiB."""
        if self.process is None:
            raise Abort("the server is not running")
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise Abort("no VmRSS in /proc/PID/status")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> tuple[int, bytes]:
        """One request on a fresh connection: the status and the body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        status, answer = self.request("POST", path, data, {"Content-Type": "application/json"})
        if status != 200:
            raise Abort(f"POST {path} answered {status}: {answer[:200]!r}")
        result: dict[str, Any] = json.loads(answer)
        return result


class FloorServer(Server):
    """bench/floor_app.py: the empty FastAPI app, served as ``serve`` serves."""

    def __init__(self, workdir: Path, cpu: int | None) -> None:
        super().__init__(workdir, cpu)
        self.log = workdir / "floor.log"

    def command(self) -> list[str]:
        return [sys.executable, str(FLOOR_APP), "--port", str(self.port)]


# -- tokens -----------------------------------------------------------------------------


def segment(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


def add_user(server: Server) -> str:
    """Create the benchmark user with the CLI; its password."""
    password = secrets.token_urlsafe(24)
    server.cli(
        "users", "add", USERNAME, "--role", "User", "--email", "bench@example.com",
        "--password-stdin", stdin=password + "\n",
    )  # fmt: skip
    return password


def make_tokens(server: Server, password: str, count: int) -> list[str]:
    """One token from a real login, the rest minted exactly as the server would."""
    login = server.post_json("/api/auth/login", {"username": USERNAME, "password": password})
    first = str(login["accessToken"])
    header, claims = segment(first, 0), segment(first, 1)

    key = Key.from_secret(server.secret.encode())
    if header.get("alg") != key.alg or header.get("kid") != key.kid:
        raise Abort(
            f"the server signs with {header.get('alg')}/{header.get('kid')}, "
            f"not with {key.alg}/{key.kid} from TICKETBOOTH_SECRET_KEY"
        )
    issuer = TokenIssuer(
        KeySet([key]), issuer=claims["iss"], audience=claims["aud"], lifetime=24 * 3600
    )
    tokens = [first]
    while len(tokens) < count:
        issued = issuer.issue(
            subject=claims["sub"], name=claims["name"], role=claims["role"], email=claims["email"]
        )
        tokens.append(issued.token)
    if len(set(tokens)) != count:
        raise Abort("the minted tokens are not all distinct")
    return tokens


def check_tokens(server: Server, tokens: list[str], sample: int = 50) -> None:
    """A sample of the tokens (the logged-in one included) works on the protected route."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        step = max(1, len(tokens) // sample)
        for token in tokens[::step]:
            connection.request("GET", PROTECTED_PATH, headers={"Authorization": f"Bearer {token}"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or json.loads(body).get("userName") != USERNAME:
                raise Abort(f"a prepared token got {response.status} {body[:200]!r}")
    finally:
        connection.close()


# -- wrk --------------------------------------------------------------------------------

RESULT = re.compile(
    r"RESULT requests=(\d+) duration_us=(\d+) p50_us=([\d.]+) p99_us=([\d.]+) "
    r"connect=(\d+) read=(\d+) write=(\d+) status=(\d+) timeout=(\d+)"
)


def run_wrk(scenario: Scenario, duration: int, connections: int, cpu: int | None) -> Run:
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
        "-s", str(LUA), scenario.server.base_url + scenario.path,
    ]  # fmt: skip
    if scenario.token_file is not None:
        command += ["--", str(scenario.token_file)]
    cpu_before = scenario.server.cpu_seconds()
    result = subprocess.run(
        pinned(cpu, command), capture_output=True, text=True, timeout=duration + 60
    )
    cpu = scenario.server.cpu_seconds() - cpu_before
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise Abort(f"wrk failed ({result.returncode}) on {scenario.name}:\n{output}")
    if "Non-2xx" in output or "Socket errors" in output:
        raise Abort(f"{scenario.name}: not every answer was a clean 2xx:\n{output}")
    match = RESULT.search(result.stdout)
    if match is None:
        raise Abort(f"no RESULT line from wrk on {scenario.name}:\n{output}")
    requests, duration_us, p50, p99, *errors = (float(g) for g in match.groups())
    if requests == 0 or any(errors):
        raise Abort(f"{scenario.name}: {requests:.0f} requests, errors {errors}:\n{output}")
    return Run(
        requests / (duration_us / 1e6), p50 / 1000, p99 / 1000, int(requests), cpu / requests * 1e6
    )


# -- profiling --------------------------------------------------------------------------


def profile(
    scenario: Scenario, args: argparse.Namespace, wrk_cpu: int | None, directory: Path
) -> None:
    """Record the server with py-spy during one wrk run of ``scenario``; print the top."""
    assert scenario.server.process is not None
    directory.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.name.lower()).strip("-")
    output = directory / f"{slug}.txt"
    command = [
        py_spy(), "record", "--pid", str(scenario.server.process.pid), "--format", "raw",
        "--rate", "250", "--nonblocking", "--output", str(output),
        "--duration", str(args.duration),
    ]  # fmt: skip
    spy = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        run_wrk(scenario, args.duration, args.connections, wrk_cpu)
    finally:
        spy.wait(timeout=args.duration + 60)
    print(f"  profile of {scenario.name}: {output}")
    for line in summarize(output)[: args.profile_lines]:
        print(f"    {line}")


def py_spy() -> str:
    """py-spy on PATH, or beside this Python (``pip install py-spy`` into the venv)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.exists() else "py-spy")


def summarize(collapsed: Path, under: str | None = "RequestResponseCycle.") -> list[str]:
    """Share of samples in each function, hottest first.

    Inclusive (the function and what it calls) and self (the function's own code).
    Inclusive shares count only frames from the first one starting with ``under``
    (uvicorn's ``run_asgi`` by default; None: every frame); the event loop, the parser
    and the socket writes outside it are in the total.
    """
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + count
        inside = [i for i, frame in enumerate(frames) if under is None or frame.startswith(under)]
        for name in set(frames[inside[0] :] if inside else ()):
            inclusive[name] = inclusive.get(name, 0) + count
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])
    return [
        f"{100 * n / max(total, 1):5.1f}% (self {100 * own.get(name, 0) / max(total, 1):4.1f}%)  "
        f"{name}"
        for name, n in ranked
    ]


# -- the run ----------------------------------------------------------------------------


def can_pin() -> bool:
    try:
        return {SERVER_CPU, WRK_CPU} <= os.sched_getaffinity(0)
    except AttributeError:
        return False


def machine_line() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.machine()}, {model}, {os.cpu_count()} CPUs, {platform.platform()}"


def wrk_version() -> str:
    result = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    return (result.stdout + result.stderr).split("\n", 1)[0].strip()


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    pin = can_pin()
    server_cpu, wrk_cpu = (SERVER_CPU, WRK_CPU) if pin else (None, None)
    print(f"Python {platform.python_version()} ({platform.python_implementation()})")
    print(f"machine: {machine_line()}")
    print(f"{wrk_version()}")
    if pin:
        print(f"servers pinned to CPU {SERVER_CPU}, wrk to CPU {WRK_CPU} (taskset)")
    else:
        print("WARNING: CPUs 0 and 1 are not both available: servers and wrk run unpinned")

    server = Server(workdir, server_cpu)
    floor = FloorServer(workdir, server_cpu)
    memory: dict[str, float] = {}
    served_distinct = 0
    try:
        password = add_user(server)
        floor.start()
        server.start()
        memory["idle"] = server.rss_mib()
        tokens = make_tokens(server, password, args.tokens)
        check_tokens(server, tokens)
        distinct = workdir / "tokens.txt"
        distinct.write_text("\n".join(tokens) + "\n")
        reused = workdir / "token.txt"
        reused.write_text(tokens[0] + "\n")
        scenarios = [
            Scenario("floor (empty FastAPI)", floor, PROTECTED_PATH, None),
            Scenario("discovery (no token)", server, BARE_PATH, None),
            Scenario(f"my-info, {len(tokens)} tokens", server, PROTECTED_PATH, distinct),
            Scenario("my-info, 1 token", server, PROTECTED_PATH, reused),
        ]
        print(
            f"wrk -t1 -c{args.connections}; warm-up {args.warmup} s per scenario, then "
            f"{args.rounds} rounds of {args.duration} s each"
        )
        print()
        for scenario in scenarios:
            run = run_wrk(scenario, args.warmup, args.connections, wrk_cpu)
            if scenario.token_file == distinct:
                served_distinct += run.requests
        runs: dict[str, list[Run]] = {s.name: [] for s in scenarios}
        for number in range(args.rounds):
            shift = number % len(scenarios)
            for scenario in scenarios[shift:] + scenarios[:shift]:
                run = run_wrk(scenario, args.duration, args.connections, wrk_cpu)
                runs[scenario.name].append(run)
                if scenario.token_file == distinct:
                    served_distinct += run.requests
                print(
                    f"  round {number + 1}/{args.rounds}  {scenario.name:<22} "
                    f"{run.requests_per_second:>8.0f} req/s  p50 {run.p50_ms:6.2f} ms  "
                    f"p99 {run.p99_ms:6.2f} ms  CPU {run.cpu_us:5.0f} us/request",
                    flush=True,
                )
        while served_distinct < args.memory_requests:
            served_distinct += run_wrk(
                scenarios[2], args.duration, args.connections, wrk_cpu
            ).requests
        memory["loaded"] = server.rss_mib()
        if args.profile is not None:
            print()
            for scenario in scenarios:
                profile(scenario, args, wrk_cpu, args.profile)
    except Exception:
        for each in (floor, server):
            if each.process is not None:
                print(f"{each.log.name} (last lines):\n{each.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        floor.stop()

    print()
    columns = ("scenario", "req/s", "p50 ms", "p99 ms", "of floor", "p99 ratio", "CPU us", "by CPU")
    header = "{:<24}  {:>7}  {:>7}  {:>7}  {:>8}  {:>9}  {:>6}  {:>6}".format(*columns)
    print(header)
    print("-" * len(header))
    floor_runs = runs[scenarios[0].name]
    floor_rps = statistics.median(r.requests_per_second for r in floor_runs)
    floor_p99 = statistics.median(r.p99_ms for r in floor_runs)
    floor_cpu = statistics.median(r.cpu_us for r in floor_runs)
    for scenario in scenarios:
        rps = statistics.median(r.requests_per_second for r in runs[scenario.name])
        p50 = statistics.median(r.p50_ms for r in runs[scenario.name])
        p99 = statistics.median(r.p99_ms for r in runs[scenario.name])
        cpu = statistics.median(r.cpu_us for r in runs[scenario.name])
        print(
            f"{scenario.name:<24}  {rps:>7.0f}  {p50:>7.2f}  {p99:>7.2f}  "
            f"{rps / floor_rps:>7.2f}x  {p99 / floor_p99:>8.2f}x  {cpu:>6.0f}  "
            f"{floor_cpu / cpu:>5.2f}x"
        )
    print()
    print(
        "medians over the rounds; of floor = requests/s / the floor's; p99 ratio = p99 / the "
        "floor's;\nCPU us = the server's CPU time per request; by CPU = the floor's CPU us / "
        "the scenario's\n(requests/s per core if the server had its core to itself: less "
        "noisy on a shared machine)"
    )
    print(
        f"ticketbooth RSS: idle {memory['idle']:.1f} MiB; after {served_distinct:,} "
        f"requests with {len(tokens):,} distinct tokens {memory['loaded']:.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per run (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per scenario")
    parser.add_argument("--tokens", type=int, default=1000, help="distinct tokens (default 1000)")
    parser.add_argument(
        "--memory-requests",
        type=int,
        default=100_000,
        help="requests with the distinct tokens before the loaded RSS (default 100000)",
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="record py-spy profiles into this directory"
    )
    parser.add_argument(
        "--profile-lines", type=int, default=40, help="functions shown per profile (default 40)"
    )
    args = parser.parse_args()
    if args.duration < 1 or args.rounds < 1 or args.connections < 1 or args.tokens < 1:
        parser.error("--duration, --rounds, --connections and --tokens must be at least 1")
    if args.warmup < 1:
        parser.error("--warmup must be at least 1")
    tools = [("wrk", "wrk"), ("taskset", "util-linux")]
    if args.profile is not None:
        tools.append((py_spy(), "py-spy (pip)"))
    for tool, package in tools:
        if shutil.which(tool) is None:
            sys.exit(f"bench/http.py: `{tool}` is not on PATH (install {package})")

    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the servers are still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix="ticketbooth-bench-") as workdir:
            benchmark(args, Path(workdir))
    except Abort as exc:
        sys.exit(f"bench/http.py: ABORTED: {exc}")


if __name__ == "__main__":
    main()
