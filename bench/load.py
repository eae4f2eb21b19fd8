"""A real ``ticketbooth serve`` under load (issue 4): 1 versus 2 workers, and a login storm.

The protected route ``GET /api/products/my-info`` with 1,000 distinct valid tokens in turn
(one from a real login, the rest minted with the server's secret, as bench/http.py does),
driven by ``wrk -t1 -c32`` pinned to CPU 1, on fresh servers (each in its own temporary
directory and SQLite database, ``TICKETBOOTH_SECRET_KEY`` set, which ``--workers 2``
needs so that every worker signs and verifies with the same key):

Part 1, throughput, on three servers:

* 1 worker pinned to CPU 0: the placement of bench/http.py; wrk has CPU 1 to itself
* 1 worker, unpinned
* 2 workers (``serve --workers 2``), unpinned

The 2-worker server is not pinned: it may use both cores, so it shares CPU 1 with wrk,
which stays pinned there (pinning it to both cores would be the same thing on this
2-core machine).  "1 worker, unpinned" has the very same placement, so the step from it
to "2 workers" is the second worker's own gain; the step from "1 worker, CPU 0" also
includes what sharing a core with wrk costs.  The workers' split of the CPU time is
shown, as the kernel, not uvicorn, decides which worker accepts each connection.

Part 2, a login storm: the p99 of the same route on the 1-worker server (CPU 0) without
and during a storm of ``--storm`` (20) clients doing nothing but ``POST /api/auth/login``
with correct passwords (argon2id verification): threads of this script pinned to CPU 1
with wrk, each on its own keep-alive connection, each logging in its own user again and
again (correct passwords, so the failed-login limit never counts anything).  The storm
starts ``--ramp`` seconds before the measured run; when the run is over, no new login
is sent and the ones in flight are awaited, so the server is idle again before the next
run.  Issue 4 asks for the p99 during the storm to be at most 3 times the p99 without.
Also shown, from /proc: the share of the time the event-loop thread spent on a CPU and
waiting for one (``/proc/PID/task/PID/schedstat``), and the server's peak thread count
and memory during the storms.

``--fixes`` adds prototype fixes, each in its own server process that runs the real
``ticketbooth serve`` after monkeypatching ``PasswordHasher`` (src/ is not changed):

* sem1:      at most one argon2 hash at a time (a ``threading.BoundedSemaphore``)
* nice:      every hash at nice 19, on a pool of 40 threads of its own whose priority
             is lowered once (the lane threads argon2 starts inherit it)
* sem1+nice: both: a pool of one such thread
* p1+sem1:   argon2 ``parallelism=1`` (one thread per hash instead of 4; the stored
             hashes are p=4, so each user's first login rehashes it, during warm-up)
             and one hash at a time

A warm-up run on every server first (and a storm on the p1 one, so that its rehashing
is over; the login path is already warm from the real login that mints the tokens),
then ``--rounds`` rounds, each running every scenario once in a rotating order (quiet
and storm alternate first); medians over the rounds.  Any non-2xx answer or socket
error aborts; the servers are stopped at the end, whatever happens.

    .venv/bin/python bench/load.py [--duration 3] [--rounds 3] [--storm 20] [--fixes]
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
import concurrent.futures
import http.client
import importlib.util
import json
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_CPU = 0
WRK_CPU = 1
LOGIN_PATH = "/api/auth/login"
TARGET_RATIO = 3.0
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def load_http_bench() -> ModuleType:
    """bench/http.py (its server, token and wrk helpers), imported under a name not ``http``."""
    spec = importlib.util.spec_from_file_location("bench_http", HERE / "http.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_http"] = module
    spec.loader.exec_module(module)
    return module


harness = load_http_bench()
Abort = harness.Abort
Run = harness.Run
Scenario = harness.Scenario


# -- the prototype fixes (run inside the server process) --------------------------------

FIXES = {
    "sem1": "one hash at a time",
    "nice": "hashes at nice 19",
    "sem1+nice": "one hash at a time, nice 19",
    "p1+sem1": "parallelism 1, one at a time",
}


def apply_fix(name: str) -> None:
    """Monkeypatch ``PasswordHasher`` in this process the way fix ``name`` says.

    ``nice`` runs every hash on a thread of a pool of its own whose threads lowered their
    priority to nice 19 when they started (allowed without privileges; the lane threads
    argon2 starts inherit it), 40 threads, as many as anyio's default threadpool, so
    that as many hashes run at once as without the fix; ``sem1+nice`` uses one such
    thread.  ``sem1`` guards each hash with a ``threading.BoundedSemaphore(1)``.
    """
    import argon2

    from ticketbooth.auth import passwords

    cls: Any = passwords.PasswordHasher
    guarded: Callable[[Callable[..., Any]], Callable[..., Any]]
    if "nice" in name:

        def lower_priority() -> None:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread

        pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=1 if "sem1" in name else 40,
            thread_name_prefix="argon2",
            initializer=lower_priority,
        )

        def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
            def call(self: Any, *args: Any) -> Any:
                return pool.submit(method, self, *args).result()

            return call

    else:
        semaphore = threading.BoundedSemaphore(1)

        def guarded(method: Callable[..., Any]) -> Callable[..., Any]:
            def call(self: Any, *args: Any) -> Any:
                with semaphore:
                    return method(self, *args)

            return call

    cls.verify = guarded(cls.verify)  # verify_dummy goes through verify
    cls.hash = guarded(cls.hash)
    if name.startswith("p1"):
        init = cls.__init__

        def one_lane(self: Any, hasher: Any = None) -> None:
            init(self, hasher or argon2.PasswordHasher(type=argon2.Type.ID, parallelism=1))

        cls.__init__ = one_lane


def serve_with_fix(name: str, port: int) -> int:
    apply_fix(name)
    from ticketbooth.cli import main as ticketbooth_main

    return ticketbooth_main(["serve", "--port", str(port)])


# -- /proc ------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (all its threads) so far; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND  # utime, stime


def schedstat(pid: int) -> tuple[int, int]:
    """Nanoseconds the main thread of ``pid`` has run, and has waited runnable for a CPU."""
    try:
        with open(f"/proc/{pid}/task/{pid}/schedstat", encoding="ascii") as stat:
            on_cpu, waiting, _slices = stat.read().split()
    except (OSError, ValueError):
        return 0, 0
    return int(on_cpu), int(waiting)


def threads_and_rss(pids: list[int]) -> tuple[int, float]:
    """Threads and resident memory (MiB) of the processes, added up."""
    threads, rss_kib = 0, 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("Threads:"):
                        threads += int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        rss_kib += int(line.split()[1])
        except OSError:
            continue
    return threads, rss_kib / 1024


class Sampler(threading.Thread):
    """The peak thread count and memory of some processes, sampled every 100 ms."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.threads = 0
        self.rss_mib = 0.0
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(0.1):
            threads, rss = threads_and_rss(self.pids)
            self.threads = max(self.threads, threads)
            self.rss_mib = max(self.rss_mib, rss)

    def stop(self) -> None:
        self.finished.set()
        self.join()


# -- the servers ------------------------------------------------------------------------


class ServeProcess(harness.Server):  # type: ignore[misc, name-defined]
    """``ticketbooth serve`` (or a patched copy) in its own directory, placed on ``cpus``."""

    def __init__(
        self, label: str, workdir: Path, cpus: str | None, workers: int = 1, fix: str | None = None
    ) -> None:
        workdir.mkdir()
        super().__init__(workdir, None)
        self.label = label
        self.cpus = cpus
        self.workers = workers
        self.fix = fix
        self.token_file = workdir / "tokens.txt"
        self.users_file = workdir / "storm-users.txt"

    def start(self) -> None:
        if self.fix is None:
            command = [sys.executable, "-m", "ticketbooth", "serve", "--port", str(self.port)]
            command += ["--workers", str(self.workers)]
        else:
            command = [sys.executable, __file__, "--serve-with-fix", self.fix]
            command += ["--port", str(self.port)]
        if self.cpus is not None:
            command = ["taskset", "-c", self.cpus, *command]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches us; we stop the server ourselves
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise Abort(f"{self.label}: the server exited at start:\n{self.log_tail()}")
            try:
                if self.request("GET", "/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise Abort(f"{self.label}: no answer on /health within 90 s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return int(self.process.pid)


ADD_USERS = """
import sys
from ticketbooth.assembly import build
from ticketbooth.config import load_settings
services = build(load_settings())
for line in sys.stdin:
    name, password = line.rstrip("\\n").split("\\t")
    services.users.add(name, password, role="User")
services.close()
"""
"""Creates users from "name<TAB>password" lines, as ``ticketbooth users add`` does."""


def prepare(server: ServeProcess, tokens: int, storm_users: int) -> None:
    """Users, start, tokens: everything a server needs before it is measured."""
    password = harness.add_user(server)
    if storm_users:
        lines = [f"storm{n:03d}\t{secrets.token_urlsafe(18)}" for n in range(storm_users)]
        result = subprocess.run(
            [sys.executable, "-c", ADD_USERS],
            input="".join(line + "\n" for line in lines),
            env=server.env,
            cwd=server.workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise Abort(f"{server.label}: could not add the storm users:\n{result.stderr}")
        server.users_file.write_text("".join(line + "\n" for line in lines))
    server.start()
    minted = harness.make_tokens(server, password, tokens)
    harness.check_tokens(server, minted)
    server.token_file.write_text("\n".join(minted) + "\n")


# -- measuring --------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    run: Run
    """Requests/s, p50 and p99 of the protected route (p99 of the requests that completed)."""
    requests: int
    cpu_us: float
    """The server's CPU time (every process of it) per request, in microseconds."""
    loop_on_cpu: float
    """Share of the run the main thread of the server process was on a CPU."""
    loop_waiting: float
    """Share of the run the main thread was runnable but waiting for a CPU."""
    threads: int
    rss_mib: float
    split: list[float] = field(default_factory=list)
    """Each worker's share of the CPU time, when there are several processes."""


@dataclass(frozen=True)
class Storm:
    logins: int
    logins_per_second: float
    p50_ms: float
    p99_ms: float


def wrk(
    url: str, lua: Path, data: Path, duration: int, connections: int, cpu: int | None
) -> tuple[int, Run, str]:
    """One wrk run: requests completed, the figures, wrk's output.

    ``--timeout 120s``, far beyond any run, so that a slow answer is measured rather than
    dropped as a timeout: the p99 is that of the requests that completed within the run.
    Any non-2xx answer or socket error aborts.
    """
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "120s", "--latency",
        "-s", str(lua), url, "--", str(data),
    ]  # fmt: skip
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 180)
    return parse_wrk(url, result.returncode, result.stdout + result.stderr)


def parse_wrk(url: str, returncode: int, output: str) -> tuple[int, Run, str]:
    if returncode != 0 or "Non-2xx" in output or "Socket errors" in output:
        raise Abort(f"{url}: not every answer was a clean 2xx (wrk exit {returncode}):\n{output}")
    match = harness.RESULT.search(output)
    if match is None:
        raise Abort(f"no RESULT line from wrk on {url}:\n{output}")
    requests, duration_us, p50, p99, *errors = (float(g) for g in match.groups())
    if any(errors):
        raise Abort(f"{url}: wrk counted errors {errors}:\n{output}")
    if requests == 0:  # nothing came back within the run: the latency is at least the run
        p50 = p99 = duration_us
    return int(requests), Run(requests / (duration_us / 1e6), p50 / 1000, p99 / 1000), output


def measure(server: ServeProcess, args: argparse.Namespace, duration: int) -> Sample:
    """One wrk run of the protected route, with the server's CPU and scheduling figures."""
    pids = process_tree(server.pid)
    before = {pid: cpu_seconds(pid) for pid in pids}
    sched_before = schedstat(server.pid)
    sampler = Sampler(pids)
    sampler.start()
    started = time.monotonic_ns()
    try:
        url = server.base_url + harness.PROTECTED_PATH
        requests, run, _ = wrk(
            url, harness.LUA, server.token_file, duration, args.connections, args.wrk_cpu
        )
    finally:
        sampler.stop()
    elapsed = time.monotonic_ns() - started
    sched_after = schedstat(server.pid)
    used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
    total = sum(used.values())
    workers = sorted((u for u in used.values() if u > 0.05 * total), reverse=True)
    return Sample(
        run=run,
        requests=requests,
        cpu_us=total * 1e6 / max(1, requests),
        loop_on_cpu=(sched_after[0] - sched_before[0]) / elapsed,
        loop_waiting=(sched_after[1] - sched_before[1]) / elapsed,
        threads=sampler.threads,
        rss_mib=sampler.rss_mib,
        split=[u / total for u in workers] if len(workers) > 1 else [],
    )


def wait_idle(server: ServeProcess, limit: float = 60) -> None:
    """Wait for the server to stop using the CPU (logins still in flight after a storm)."""
    pids = process_tree(server.pid)
    deadline = time.monotonic() + limit
    quiet = 0
    last = sum(cpu_seconds(pid) for pid in pids)
    while time.monotonic() < deadline and quiet < 2:
        time.sleep(0.5)
        now = sum(cpu_seconds(pid) for pid in pids)
        quiet = quiet + 1 if now - last < 0.05 else 0
        last = now
    if quiet < 2:
        print(f"  WARNING: {server.label} still busy {limit:.0f} s after the storm", flush=True)


class LoginStorm:
    """``clients`` threads, each logging its own user in again and again on one connection.

    Stopping lets every login in flight finish (the server computes it anyway), so every
    argon2 verification the server spends is counted, and the server is idle after.
    The threads run on ``cpu``, where wrk runs.
    """

    def __init__(self, server: ServeProcess, clients: int, cpu: int | None) -> None:
        self.server = server
        self.cpu = cpu
        lines = server.users_file.read_text().splitlines()[:clients]
        self.bodies = [
            json.dumps({"username": name, "password": password}).encode()
            for name, password in (line.split("\t") for line in lines)
        ]
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.done: list[tuple[float, float]] = []  # (finished at, seconds taken)
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self.client, args=(b,)) for b in self.bodies]

    def client(self, body: bytes) -> None:
        if self.cpu is not None:
            os.sched_setaffinity(0, {self.cpu})  # this thread only
        headers = {"Content-Type": "application/json"}
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=300)
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                connection.request("POST", LOGIN_PATH, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                finished = time.monotonic()
                with self.lock:
                    if response.status != 200:
                        self.failures.append(f"{response.status} {answer[:200]!r}")
                        return
                    self.done.append((finished, finished - started))
        except (OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def __enter__(self) -> "LoginStorm":
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def result(self) -> Storm:
        """Logins/s over the whole storm, and the latency of every login."""
        if self.failures:
            raise Abort(f"{self.server.label}: a storm login failed: {self.failures[0]}")
        if not self.done:
            raise Abort(f"{self.server.label}: no login of the storm finished")
        took = sorted(seconds * 1000 for _, seconds in self.done)
        p99 = took[min(len(took) - 1, int(len(took) * 0.99))]
        last = max(finished for finished, _ in self.done)
        rate = len(took) / (last - self.started)
        return Storm(len(took), rate, statistics.median(took), p99)


def storm(server: ServeProcess, args: argparse.Namespace, duration: int) -> tuple[Sample, Storm]:
    """``measure`` while ``args.storm`` clients log in with correct passwords."""
    with LoginStorm(server, args.storm, args.wrk_cpu) as logins:
        time.sleep(args.ramp)
        sample = measure(server, args, duration)
    wait_idle(server)
    return sample, logins.result()


# -- the report -------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values)


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def report_throughput(servers: list[ServeProcess], samples: dict[str, list[Sample]]) -> None:
    print(f"Part 1: GET {harness.PROTECTED_PATH}, 1 versus 2 workers")
    columns = ("server", "requests/s", "p50 ms", "p99 ms", "CPU µs/req", "x 1 worker CPU 0")
    header = "{:<24}  {:>10}  {:>7}  {:>7}  {:>10}  {:>16}".format(*columns)
    print(header)
    print("-" * len(header))
    first = med([s.run.requests_per_second for s in samples[servers[0].label]])
    for server in servers:
        runs = samples[server.label]
        rps = med([s.run.requests_per_second for s in runs])
        print(
            f"{server.label:<24}  {rps:>10.0f}  {med([s.run.p50_ms for s in runs]):>7.2f}  "
            f"{med([s.run.p99_ms for s in runs]):>7.2f}  {med([s.cpu_us for s in runs]):>10.0f}  "
            f"{rps / first:>15.2f}x"
        )
    for server in servers:
        splits = [s.split for s in samples[server.label] if s.split]
        if splits:
            shares = " / ".join(f"{med([s[i] for s in splits]):.0%}" for i in range(len(splits[0])))
            print(f"{server.label}: the workers' shares of the server's CPU time: {shares}")
    print("medians over the rounds; CPU µs/req = CPU time of the server's processes / requests")


def report_storm(
    rows: list[tuple[str, str]],
    quiet: dict[str, list[Sample]],
    stormy: dict[str, list[tuple[Sample, Storm]]],
    storm_size: int,
) -> None:
    print(
        f"Part 2: GET {harness.PROTECTED_PATH} on 1 worker (CPU 0), without and during "
        f"{storm_size} concurrent logins"
    )
    width = max(len(label) for _, label in rows)
    columns = ("server", "p99 quiet", "p99 storm", "ratio", "req/s quiet", "req/s storm", "answers")
    header = f"{{:<{width}}}  {{:>10}}  {{:>10}}  {{:>7}}  {{:>11}}  {{:>11}}  {{:>7}}"
    header = header.format(*columns)
    print(header)
    print("-" * len(header))
    verdicts = []
    for key, label in rows:
        calm, wild = quiet[key], [sample for sample, _ in stormy[key]]
        p99_quiet = med([s.run.p99_ms for s in calm])
        p99_storm = med([s.run.p99_ms for s in wild])
        at_least = ">=" if any(s.requests == 0 for s in wild) else "  "
        ratio = p99_storm / p99_quiet
        verdicts.append((label, ratio, at_least.strip()))
        print(
            f"{label:<{width}}  {p99_quiet:>8.1f}ms  {at_least}{p99_storm:>6.0f}ms  "
            f"{at_least.strip():>1}{ratio:>5.1f}x  "
            f"{med([s.run.requests_per_second for s in calm]):>11.0f}  "
            f"{med([s.run.requests_per_second for s in wild]):>11.0f}  "
            f"{med([s.requests for s in wild]):>7.0f}"
        )
    print(
        "medians over the rounds; ratio = p99 storm / p99 quiet; answers = requests answered "
        "within a storm run.\nThe p99 is that of the requests answered within the run, so it "
        "cannot exceed the run's length: when\nit comes near it, it is a lower bound (>= marks "
        "a run in which nothing came back at all)"
    )
    print()
    columns = (
        "server", "logins/s", "login p50", "login p99", "loop on CPU", "loop waits", "threads",
        "RSS MiB",
    )  # fmt: skip
    header = f"{{:<{width}}}  {{:>8}}  {{:>9}}  {{:>9}}  {{:>13}}  {{:>13}}  {{:>7}}  {{:>7}}"
    header = header.format(*columns)
    print(header)
    print("-" * len(header))
    for key, label in rows:
        calm, wild = quiet[key], [sample for sample, _ in stormy[key]]
        logins = [result for _, result in stormy[key]]
        on_cpu = (med([s.loop_on_cpu for s in calm]), med([s.loop_on_cpu for s in wild]))
        waits = (med([s.loop_waiting for s in calm]), med([s.loop_waiting for s in wild]))
        print(
            f"{label:<{width}}  {med([x.logins_per_second for x in logins]):>8.1f}  "
            f"{med([x.p50_ms for x in logins]) / 1000:>8.2f}s  "
            f"{med([x.p99_ms for x in logins]) / 1000:>8.2f}s  "
            f"{on_cpu[0]:>5.0%} / {on_cpu[1]:>4.0%}  {waits[0]:>5.0%} / {waits[1]:>4.0%}  "
            f"{max(s.threads for s in wild):>7}  {max(s.rss_mib for s in wild):>7.0f}"
        )
    print(
        "logins/s: logins finished / seconds from the storm's start to its last login; "
        "login p50/p99: of every\nstorm login; loop on CPU / loop waits = share of the time "
        "the event-loop thread ran / was runnable\nbut waited for a CPU (quiet / storm, from "
        "/proc/PID/task/PID/schedstat); threads and RSS: the\nserver's peak during the storms"
    )
    print()
    for label, ratio, at_least in verdicts:
        met = "MET" if ratio <= TARGET_RATIO else "NOT MET"
        print(
            f"issue 4 target (p99 during the storm <= {TARGET_RATIO:.0f}x without): {met} "
            f"for {label} ({at_least}{ratio:.1f}x)"
        )


# -- the run ----------------------------------------------------------------------------


def round_robin(items: list[Any], number: int) -> list[Any]:
    shift = number % len(items)
    return items[shift:] + items[:shift]


def log_run(number: int, rounds: int, what: str, sample: Sample, extra: str = "") -> None:
    run = sample.run
    print(
        f"  round {number + 1}/{rounds}  {what:<40} {run.requests_per_second:>6.0f} req/s  "
        f"p99 {run.p99_ms:7.1f} ms  ({sample.requests} answers)  CPU {sample.cpu_us:4.0f} µs/req"
        f"{extra}",
        flush=True,
    )


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    pin = harness.can_pin()
    args.wrk_cpu = WRK_CPU if pin else None
    print(f"Python {sys.version.split()[0]}; machine: {harness.machine_line()}")
    print(harness.wrk_version())
    print(f"before: {load_line()}")
    if not pin:
        print("WARNING: CPUs 0 and 1 are not both available: nothing is pinned")
    one = ServeProcess("1 worker, CPU 0", workdir / "one", str(SERVER_CPU) if pin else None)
    servers = [
        one,
        ServeProcess("1 worker, unpinned", workdir / "one-free", None),
        ServeProcess("2 workers, unpinned", workdir / "two", None, workers=2),
    ]
    fixed = [
        ServeProcess(f"1 worker, CPU 0, {name}", workdir / name, one.cpus, fix=name)
        for name in (FIXES if args.fixes else ())
    ]
    storm_servers = [one, *fixed]
    everything = servers + fixed
    try:
        for server in everything:
            prepare(server, args.tokens, args.storm if server in storm_servers else 0)
        print(
            f"wrk -t1 -c{args.connections} on CPU {args.wrk_cpu}, {args.tokens} tokens; storm: "
            f"{args.storm} clients POST {LOGIN_PATH} from CPU {args.wrk_cpu}, {args.storm} users; "
            f"warm-up, then {args.rounds} rounds of {args.duration} s"
        )
        print()
        for server in everything:
            measure(server, args, args.warmup)
        for server in storm_servers:
            if server.fix is not None and server.fix.startswith("p1"):
                storm(server, args, args.warmup)  # every user's first login rehashes

        throughput: dict[str, list[Sample]] = {s.label: [] for s in servers}
        for number in range(args.rounds):
            for server in round_robin(servers, number):
                sample = measure(server, args, args.duration)
                throughput[server.label].append(sample)
                split = "  split " + "/".join(f"{x:.0%}" for x in sample.split)
                log_run(number, args.rounds, server.label, sample, split if sample.split else "")

        quiet: dict[str, list[Sample]] = {s.label: [] for s in storm_servers}
        stormy: dict[str, list[tuple[Sample, Storm]]] = {s.label: [] for s in storm_servers}
        for number in range(args.rounds):
            for server in round_robin(storm_servers, number):
                for is_storm in (False, True) if number % 2 == 0 else (True, False):
                    if is_storm:
                        sample, logins = storm(server, args, args.duration)
                        stormy[server.label].append((sample, logins))
                        extra = f"  {logins.logins} logins, p50 {logins.p50_ms / 1000:.2f} s"
                        log_run(number, args.rounds, server.label + " + storm", sample, extra)
                    else:
                        sample = measure(server, args, args.duration)
                        quiet[server.label].append(sample)
                        log_run(number, args.rounds, server.label + " quiet", sample)
    except Exception:
        for server in everything:
            if server.process is not None:
                print(f"{server.label} log (last lines):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for server in everything:
            server.stop()

    print()
    print(f"after: {load_line()}")
    print()
    report_throughput(servers, throughput)
    print()
    rows = [(one.label, "stock")]
    rows += [(server.label, f"{server.fix} ({FIXES[str(server.fix)]})") for server in fixed]
    report_storm(rows, quiet, stormy, args.storm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=3, help="seconds per run (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per scenario")
    parser.add_argument("--tokens", type=int, default=1000, help="distinct tokens (default 1000)")
    parser.add_argument("--storm", type=int, default=20, help="login connections (default 20)")
    parser.add_argument("--ramp", type=int, default=1, help="storm seconds before measuring")
    parser.add_argument("--fixes", action="store_true", help="also measure the prototype fixes")
    parser.add_argument("--serve-with-fix", choices=list(FIXES), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_with_fix:
        sys.exit(serve_with_fix(args.serve_with_fix, args.port))
    numbers = (args.duration, args.rounds, args.connections, args.warmup, args.tokens, args.storm)
    if min(numbers) < 1 or args.ramp < 0:
        parser.error("every count and duration must be at least 1 (--ramp at least 0)")
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            sys.exit(f"bench/load.py: `{tool}` is not on PATH (apt-get install {package})")

    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the servers are still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix="ticketbooth-load-") as workdir:
            benchmark(args, Path(workdir))
    except Abort as exc:
        sys.exit(f"bench/load.py: ABORTED: {exc}")


if __name__ == "__main__":
    main()
