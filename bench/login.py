"""Password logins against the physical limit: the argon2id verify rate of the same pool.

The limit: a process placed exactly as the server is (``taskset -c 0``, so the same
usable cores), building ticketbooth's own ``PasswordHasher`` (the same pool of
low-priority threads, sized from the same affinity, argon2-cffi's default parameters)
and keeping that pool busy verifying one correct password from ``--clients`` caller
threads: verifications per second, with nothing else to do.

The service: one ``ticketbooth serve`` (fresh directory, SQLite) on the same CPU, and a
storm of ``--clients`` threads on CPU 1 (beside wrk), each logging its own user in with
its correct password on its own keep-alive connection, again and again: logins per
second counted over a window that starts ``--ramp`` seconds into the storm.  Every login
is the whole request: the HTTP request, the rate-limit check, the user lookup, the
argon2id verification, the tokens, the refresh-token row and the audit row.

Also measured, as bench/load.py does: the protected route ``GET /api/products/my-info``
(wrk, 1,000 distinct tokens) quiet and during the storm, its p99 during the storm at
most 3x the quiet one being the target; and the server's peak resident memory and
thread count during the storm.

A warm-up of each, then ``--rounds`` rounds, each running the limit, the storm alone,
the quiet route and the route during the storm once (order rotating); medians.  The
figure that counts is logins/s / verifications/s of the same round.

    .venv/bin/python bench/login.py [--duration 10] [--rounds 3] [--clients 8]
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
import importlib.util
import secrets
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_CPU = 0
WRK_CPU = 1
TARGET_RATIO = 0.85
TARGET_P99 = 3.0


def load(name: str, file: str) -> ModuleType:
    """A sibling script imported as a module (http.py must not be imported as ``http``)."""
    spec = importlib.util.spec_from_file_location(name, HERE / file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# -- the limit: ticketbooth's PasswordHasher alone, in a process of its own -------------


def raw_verifications(seconds: float, callers: int) -> None:
    """Print verifications/s of ``PasswordHasher`` kept busy by ``callers`` threads.

    Also the process's CPU time (every thread) per verification over the whole run.
    """
    from ticketbooth.auth.passwords import PasswordHasher

    hasher = PasswordHasher()
    password = secrets.token_urlsafe(18)
    stored = hasher.hash(password)
    assert hasher.verify(stored, password)
    assert not hasher.needs_rehash(stored)
    inside = [0] * callers
    total = [0] * callers
    start_at = time.monotonic() + 0.2
    window_start = start_at + min(2.0, seconds / 5)
    deadline = window_start + seconds

    def caller(index: int) -> None:
        while time.monotonic() < start_at:
            time.sleep(0.01)
        while True:
            ok = hasher.verify(stored, password)
            finished = time.monotonic()
            assert ok
            total[index] += 1
            if finished > deadline:
                return
            if finished >= window_start:
                inside[index] += 1

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(callers)]
    cpu_before = time.process_time()  # every thread of this process
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    print(
        f"RAW verifications={sum(inside)} seconds={seconds} pool={hasher.concurrency} "
        f"cpu_per_verification={cpu / max(1, sum(total))}"
    )


def measure_raw(
    seconds: int, callers: int, cpu: int | None, env: dict[str, str]
) -> tuple[float, float]:
    """Verifications/s and CPU seconds per verification of the limit."""
    command = [sys.executable, __file__, "--raw", str(seconds), "--clients", str(callers)]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    # A session of its own, as the server has: with the kernel's autogroup scheduling,
    # nice 19 counts within a session, and the limit must compete as the server does.
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=seconds + 120,
        start_new_session=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("RAW "):
            fields = dict(item.split("=") for item in line.split()[1:])
            rate = int(fields["verifications"]) / float(fields["seconds"])
            return rate, float(fields["cpu_per_verification"])
    raise RuntimeError(f"the raw argon2 run failed:\n{result.stdout}\n{result.stderr}")


# -- the service -------------------------------------------------------------------------


@dataclass(frozen=True)
class StormResult:
    logins_per_second: float
    cpu_per_login: float
    """The server's CPU seconds (every thread) per login finished in the window."""
    p50_ms: float
    peak_rss_mib: float
    peak_threads: int


def login_storm(
    loadbench: ModuleType,
    server: Any,
    clients: int,
    ramp: float,
    seconds: int,
    with_wrk: bool,
    args: argparse.Namespace,
) -> tuple[StormResult, Any]:
    """Logins/s over ``seconds`` after ``ramp``; with ``with_wrk``, the route's figures too."""
    pids = loadbench.process_tree(server.pid)
    sampler = loadbench.Sampler(pids)
    sampler.start()
    sample = None
    try:
        with loadbench.LoginStorm(server, clients, args.wrk_cpu) as storm:
            time.sleep(ramp)
            window_start = time.monotonic()
            cpu_before = sum(loadbench.cpu_seconds(pid) for pid in pids)
            if with_wrk:
                sample = loadbench.measure(server, args, seconds)
            else:
                time.sleep(seconds)
            cpu = sum(loadbench.cpu_seconds(pid) for pid in pids) - cpu_before
            window_end = time.monotonic()
    finally:
        sampler.stop()
    storm.result()  # raises on any failed login
    inside = [took for finished, took in storm.done if window_start <= finished <= window_end]
    loadbench.wait_idle(server)
    result = StormResult(
        logins_per_second=len(inside) / (window_end - window_start),
        cpu_per_login=cpu / max(1, len(inside)),
        p50_ms=statistics.median(inside) * 1000 if inside else float("nan"),
        peak_rss_mib=sampler.rss_mib,
        peak_threads=sampler.threads,
    )
    return result, sample


def benchmark(args: argparse.Namespace, workdir: Path) -> None:
    loadbench = load("bench_load", "load.py")
    harness = loadbench.harness
    pin = harness.can_pin()
    args.wrk_cpu = WRK_CPU if pin else None
    server_cpu = SERVER_CPU if pin else None
    print(f"Python {sys.version.split()[0]}; machine: {harness.machine_line()}")
    print(harness.wrk_version())
    if not pin:
        print("WARNING: CPUs 0 and 1 are not both available: nothing is pinned")
    server = loadbench.ServeProcess("serve", workdir / "serve", str(server_cpu) if pin else None)
    raw_env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETBOOTH_")}
    quiet: list[float] = []
    stormy: list[float] = []
    storms: list[StormResult] = []
    raws: list[tuple[float, float]] = []
    idle_rss = 0.0
    try:
        loadbench.prepare(server, args.tokens, args.clients)
        idle_rss = loadbench.threads_and_rss([server.pid])[1]
        print(
            f"server and the argon2 limit on CPU {server_cpu}; {args.clients} login clients "
            f"and wrk -t1 -c{args.connections} on CPU {args.wrk_cpu}; warm-up, then "
            f"{args.rounds} rounds of {args.duration} s (storms measured {args.ramp} s in)"
        )
        print()
        measure_raw(args.warmup, args.clients, server_cpu, raw_env)
        login_storm(loadbench, server, args.clients, args.ramp, args.warmup, False, args)
        loadbench.measure(server, args, args.warmup)

        steps = ["limit", "storm", "quiet", "storm+route"]
        for number in range(args.rounds):
            shift = number % len(steps)
            for step in steps[shift:] + steps[:shift]:
                if step == "limit":
                    raw, raw_cpu = measure_raw(args.duration, args.clients, server_cpu, raw_env)
                    raws.append((raw, raw_cpu))
                    line = (
                        f"argon2id verifications/s {raw:7.2f}  (CPU {raw_cpu * 1000:.0f} ms each)"
                    )
                elif step == "storm":
                    result, _ = login_storm(
                        loadbench, server, args.clients, args.ramp, args.duration, False, args
                    )
                    storms.append(result)
                    line = (
                        f"logins/s {result.logins_per_second:7.2f}  (CPU "
                        f"{result.cpu_per_login * 1000:.0f} ms each; login p50 "
                        f"{result.p50_ms:6.0f} ms; peak RSS {result.peak_rss_mib:.0f} MiB, "
                        f"{result.peak_threads} threads)"
                    )
                elif step == "quiet":
                    sample = loadbench.measure(server, args, args.duration)
                    quiet.append(sample.run.p99_ms)
                    line = (
                        f"my-info quiet: {sample.run.requests_per_second:6.0f} req/s, "
                        f"p99 {sample.run.p99_ms:6.1f} ms"
                    )
                else:
                    result, sample = login_storm(
                        loadbench, server, args.clients, args.ramp, args.duration, True, args
                    )
                    assert sample is not None
                    stormy.append(sample.run.p99_ms)
                    line = (
                        f"my-info in the storm: {sample.run.requests_per_second:6.0f} req/s, "
                        f"p99 {sample.run.p99_ms:6.1f} ms; logins/s "
                        f"{result.logins_per_second:.2f}"
                    )
                print(f"  round {number + 1}/{args.rounds}  {step:<12} {line}", flush=True)
    except Exception:
        if server.process is not None:
            print(f"server log (last lines):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()

    raw = statistics.median(r for r, _ in raws)
    raw_cpu = statistics.median(c for _, c in raws)
    logins = statistics.median(s.logins_per_second for s in storms)
    login_cpu = statistics.median(s.cpu_per_login for s in storms)
    ratios = [s.logins_per_second / r for s, (r, _) in zip(storms, raws, strict=True)]
    p99_quiet, p99_storm = statistics.median(quiet), statistics.median(stormy)
    print()
    print(
        f"argon2id limit (PasswordHasher alone, same CPU): {raw:7.2f} verifications/s, "
        f"{raw_cpu * 1000:.0f} ms CPU each"
    )
    print(
        f"logins through the service:                      {logins:7.2f} logins/s, "
        f"{login_cpu * 1000:.0f} ms CPU each"
    )
    print(
        f"logins / limit: {logins / raw:.2f}x (per round: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}; target >= {TARGET_RATIO}x); "
        f"by CPU (limit's CPU per verification / CPU per login): {raw_cpu / login_cpu:.2f}x"
    )
    print(
        f"my-info p99: quiet {p99_quiet:.1f} ms, during the storm {p99_storm:.1f} ms: "
        f"{p99_storm / p99_quiet:.2f}x (target <= {TARGET_P99:.0f}x)"
    )
    print(
        f"server RSS: idle {idle_rss:.0f} MiB; peak during the storms "
        f"{max(s.peak_rss_mib for s in storms):.0f} MiB "
        f"({max(s.peak_threads for s in storms)} threads at most)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="login clients (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up (default 2)")
    parser.add_argument("--ramp", type=int, default=2, help="storm seconds before counting")
    parser.add_argument("--tokens", type=int, default=1000, help="distinct tokens (default 1000)")
    parser.add_argument("--raw", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw is not None:
        raw_verifications(args.raw, args.clients)
        return
    numbers = (args.duration, args.rounds, args.clients, args.connections, args.warmup)
    if min(numbers) < 1 or args.ramp < 0 or args.tokens < 1:
        parser.error("every count and duration must be at least 1 (--ramp at least 0)")
    for tool, package in (("wrk", "wrk"), ("taskset", "util-linux")):
        if shutil.which(tool) is None:
            sys.exit(f"bench/login.py: `{tool}` is not on PATH (apt-get install {package})")

    # A SIGTERM (a CI timeout, say) unwinds like Ctrl-C, so the server is still stopped.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        with tempfile.TemporaryDirectory(prefix="ticketbooth-login-") as workdir:
            benchmark(args, Path(workdir))
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # bench/http.py's, loaded at run time
            sys.exit(f"bench/login.py: ABORTED: {exc}")
        raise


if __name__ == "__main__":
    main()
