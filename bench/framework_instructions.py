"""What ticketbooth's framework adapters cost, in CPU instructions per request.

bench/frameworks.py measures requests/s through a real server, which the other work on a
shared machine moves by up to 2x between rounds.  This measures what the load cannot
move: the instructions one request costs inside the app, counted by valgrind's callgrind.

For each framework, the apps of bench/apps/framework_apps.py are called in-process the
way their server calls them (a fresh WSGI ``environ`` per request for Flask and Django
REST framework, as gunicorn gives; a fresh ASGI scope and the ``receive``/``send`` pair
for Litestar and Starlette, as uvicorn gives), with one reused HS256 token, for ``n`` and
then ``2n`` requests after a warm-up; instructions per request are the difference over
``n``, so start-up and imports cancel out.  Counting is switched on just before the
requests (``callgrind_control``), so the imports run at valgrind's uninstrumented speed.

Reported per framework: instructions per request of the bare route, of the route
protected by ticketbooth and by PyJWT written the usual way, and the ratio bare /
protected: the share of the bare route's throughput the protected route would keep if
the server (HTTP parsing, sockets: not counted here, and the same for every route) cost
nothing, i.e. a lower bound on the requests/s ratio bench/frameworks.py reports.

    .venv/bin/python bench/framework_instructions.py [--requests 400]
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
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("flask", "django", "litestar", "starlette")
ROUTES = ("bare", "ticketbooth", "pyjwt")
ISSUER, AUDIENCE = "ticketbooth", "ticketbooth-api"
WARMUP = 50
TOTAL = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)


# -- inside valgrind: drive one route -------------------------------------------------------


def wsgi_caller(app: Any, path: str, token: str) -> Callable[[], None]:
    from werkzeug.test import EnvironBuilder

    template = EnvironBuilder(
        path=path, headers={"Authorization": f"Bearer {token}", "Host": "127.0.0.1"}
    ).get_environ()

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"{path}: {status}")

    def call() -> None:
        body = app(dict(template), start_response)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()

    return call


def asgi_caller(app: Any, path: str, token: str) -> Callable[[], None]:
    import asyncio

    loop = asyncio.new_event_loop()
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"{path}: {message['status']}")

    async def one() -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
            "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": list(headers), "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)

    def call() -> None:
        loop.run_until_complete(one())

    return call


def drive(framework: str, route: str, requests: int, token: str) -> None:
    sys.path.insert(0, str(HERE / "apps"))
    import framework_apps

    app = getattr(framework_apps, f"{framework}_app")()
    caller = asgi_caller if framework in ("litestar", "starlette") else wsgi_caller
    call = caller(app, f"/{route}", token)
    for _ in range(WARMUP):
        call()
    pid = str(os.getpid())
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    for _ in range(requests):
        call()
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)


# -- outside: run valgrind, subtract ----------------------------------------------------------


def instructions(
    framework: str, route: str, requests: int, token: str, env: dict[str, str], out: Path
) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
        sys.executable, __file__, "--drive", framework, route, str(requests), token,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800)
    if result.returncode != 0:
        sys.exit(f"{framework} {route}: the run failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    match = TOTAL.search(out.read_text())
    if match is None:
        sys.exit(f"{framework} {route}: no summary in {out}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="n (default 400)")
    parser.add_argument("--only", default=",".join(FRAMEWORKS), help="comma-separated frameworks")
    parser.add_argument("--drive", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        framework, route, requests, token = args.drive
        drive(framework, route, int(requests), token)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("bench/framework_instructions.py: valgrind is not on PATH (apt install valgrind)")
    from ticketbooth.tokens import Key, KeySet, TokenIssuer

    secret = secrets.token_urlsafe(48)
    token = TokenIssuer(
        KeySet([Key.from_secret(secret.encode())]), issuer=ISSUER, audience=AUDIENCE,
        lifetime=24 * 3600,
    ).issue(subject="1", name="bench", role="User", email="bench@example.com").token  # fmt: skip
    env = {**os.environ, "BENCH_SECRET": secret, "BENCH_ISSUER": ISSUER}
    env["BENCH_AUDIENCE"] = AUDIENCE
    chosen = [name for name in FRAMEWORKS if name in args.only.split(",")]
    n = args.requests
    print(f"instructions per request (callgrind): ({n * 2} requests - {n} requests) / {n}")
    header = (
        f"{'framework':<10} {'bare':>9} {'ticketbooth':>11} {'pyjwt':>9}  "
        f"{'added':>7}  {'bare/tb':>7}  {'bare/pyjwt':>10}"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="ticketbooth-callgrind-") as workdir:
        for framework in chosen:
            per: dict[str, float] = {}
            for route in ROUTES:
                counts = [
                    instructions(framework, route, count, token, env, Path(workdir) / "cg.out")
                    for count in (n, 2 * n)
                ]
                per[route] = (counts[1] - counts[0]) / n
                print(f"  {framework:<10} {route:<12} {per[route]:>10.0f}", flush=True)
            rows.append(
                f"{framework:<10} {per['bare']:>9.0f} {per['ticketbooth']:>11.0f} "
                f"{per['pyjwt']:>9.0f}  {per['ticketbooth'] - per['bare']:>7.0f}  "
                f"{per['bare'] / per['ticketbooth']:>6.2f}x  {per['bare'] / per['pyjwt']:>9.2f}x"
            )
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)
    print()
    print("bare/tb: the bare route's instructions over the protected route's (1.00x = free)")


if __name__ == "__main__":
    main()
