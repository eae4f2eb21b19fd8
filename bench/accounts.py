"""No enumeration, measured: the routes that must not tell a known address from an
unknown one, timed on both paths side by side.

* forgot-password: a registered address versus an unknown one;
* register: a new address versus one already registered (argon2id included, the
  service's real parameters).

Each pair runs ``--rounds`` rounds of ``--calls`` calls per path, alternating which
path goes first so drift hits both; the median per-call time of each path is printed
with the ratio (1.00 means indistinguishable).  The floor is one empty unit of work
(a transaction that commits nothing), the least any request that touches the database
pays.  SQLite in a temporary file, mail to the outbox (no SMTP), limits off.

    .venv/bin/python bench/accounts.py [--rounds 7] [--calls 40]
"""

from __future__ import annotations

import os
import sys

sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ticketbooth.assembly import build
from ticketbooth.config import load_settings

PASSWORD = "correct horse battery staple"


def per_call(action: Callable[[int], None], calls: int, counter: itertools.count[int]) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        action(next(counter))
    return (time.perf_counter() - start) / calls


def pair(
    name: str,
    known: Callable[[int], None],
    unknown: Callable[[int], None],
    rounds: int,
    calls: int,
) -> None:
    counter = itertools.count()
    known(next(counter))  # warm up both paths
    unknown(next(counter))
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for round_ in range(rounds):
        order = [("known", known), ("unknown", unknown)]
        for label, action in order if round_ % 2 == 0 else reversed(order):
            times[label].append(per_call(action, calls, counter))
    k, u = statistics.median(times["known"]), statistics.median(times["unknown"])
    print(f"{name:34} {k * 1e3:9.3f} ms {u * 1e3:9.3f} ms {k / u:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            registration="open",
            rate_limits=False,
        )
        services = build(settings)
        accounts = services.accounts
        accounts.register("zoe", "zoe@example.com", PASSWORD)
        print(f"{'path (median per call)':34} {'known':>12} {'unknown':>12} {'ratio':>7}")
        pair(
            "forgot-password",
            lambda _n: accounts.forgot_password("zoe@example.com"),
            lambda n: accounts.forgot_password(f"nobody{n}@example.com"),
            args.rounds,
            args.calls,
        )
        pair(
            "register (argon2id)",
            lambda n: accounts.register(f"again{n}", "zoe@example.com", PASSWORD),
            lambda n: accounts.register(f"new{n}", f"new{n}@example.com", PASSWORD),
            args.rounds,
            max(3, args.calls // 8),
        )
        floor = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.calls):
                with services.db.session():
                    pass
            floor.append((time.perf_counter() - start) / args.calls)
        print(f"{'floor: an empty unit of work':34} {statistics.median(floor) * 1e3:9.3f} ms")
        services.close()


if __name__ == "__main__":
    main()
