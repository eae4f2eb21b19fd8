"""The admin console's queries on a big database, each beside a raw-SQL floor.

Seeds ``--events`` audit events spread over the last ``--days`` days (default 30;
through the real hash chain, in one transaction) and ``--users`` users with two
sessions each, then times, as the median of ``--repeat`` runs:

* the sign-in chart (7 days grouped by hour in SQL) against a bare
  ``SELECT count(*)`` over the same 7 days (the scan without the grouping);
* a filtered audit page (``event=login``, page 1 of 20, with its total) against a bare
  ``count(*)`` of that filter;
* a user search page (part of a name, with MFA and last login joined) against a bare
  ``count(*)`` of the same ``LIKE``;
* chain verification against reading every row with no hashing.

SQLite in a temporary file by default; ``--database-url`` points it at an empty
PostgreSQL database instead.

    .venv/bin/python bench/admin.py [--events 50000] [--users 10000] [--repeat 5]
"""

from __future__ import annotations

import os
import sys

sys.path.sort(
    key=lambda entry: os.path.realpath(entry or ".") == os.path.dirname(os.path.realpath(__file__))
)

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from ticketbooth.store.admin_records import AuditFilter
from ticketbooth.store.audit import SqlAuditLog
from ticketbooth.store.audit_query import SqlAuditQuery
from ticketbooth.store.db import Database, migrate
from ticketbooth.store.directory import SqlUserDirectory
from ticketbooth.store.models import AuditRecord, LoginSession, User
from ticketbooth.store.records import AuditEvent

EVENTS = [("login", "success")] * 6 + [("login", "failure"), ("refresh", "success")] * 2


def seed(db: Database, events: int, users: int, now: datetime, days: int = 30) -> None:
    shape = random.Random(18)  # noqa: S311 - test data, not a secret
    with db.session() as session:
        session.execute(
            insert(User),
            [
                {
                    "username": f"user{n:06d}",
                    "username_normalized": f"user{n:06d}",
                    "email": f"user{n}@example.com",
                    "email_normalized": f"user{n}@example.com",
                    "password_hash": "$argon2id$not-a-real-hash",
                    "role": "User",
                    "is_disabled": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(users)
            ],
        )
        ids = list(session.scalars(select(User.id)))
        session.execute(
            insert(LoginSession),
            [
                {
                    "id": str(uuid.uuid4()),
                    "user_id": user_id,
                    "created_at": now - timedelta(minutes=shape.randint(0, 40_000)),
                    "last_used_at": now,
                    "amr": "pwd",
                }
                for user_id in ids
                for _ in range(2)
            ],
        )
    moments = sorted(now - timedelta(seconds=shape.randint(0, days * 86400)) for _ in range(events))
    log = SqlAuditLog(db)
    with db.session():  # one transaction: the same chain, written fast
        for at in moments:
            event, outcome = shape.choice(EVENTS)
            log.append(AuditEvent(at=at, event=event, outcome=outcome, username="user000001"))


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30, help="the events' span (default 30)")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database.from_url(url)
        migrate(db.engine)
        now = datetime.now(UTC)
        started = time.perf_counter()
        seed(db, args.events, args.users, now, args.days)
        print(
            f"{db.engine.dialect.name}: {args.events:,} audit events over {args.days} days, "
            f"{args.users:,} users "
            f"with 2 sessions each (seeded in {time.perf_counter() - started:.0f} s)"
        )
        week = now - timedelta(days=7)
        query, directory, log = SqlAuditQuery(db), SqlUserDirectory(db), SqlAuditLog(db)

        def floor(sql: str, **params: object) -> Callable[[], object]:
            def run() -> object:
                with db.read() as session:
                    return session.execute(text(sql), params).all()

            return run

        def read_every_row() -> object:
            with db.read() as session:
                return session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()

        rows = [
            (
                "chart: 7 days by hour",
                lambda: query.logins_per_hour(week, now + timedelta(hours=1)),
                floor("SELECT count(*) FROM audit_events WHERE at >= :since", since=week),
            ),
            (
                "audit page, event=login",
                lambda: query.page(AuditFilter(event="login"), offset=0, limit=20),
                floor("SELECT count(*) FROM audit_events WHERE event = 'login'"),
            ),
            (
                "user search page, q=user00",
                lambda: directory.search("user00", offset=0, limit=20),
                floor("SELECT count(*) FROM users WHERE username_normalized LIKE '%user00%'"),
            ),
            ("chain verification", log.verify, read_every_row),
        ]
        print(f"{'query':30} {'console ms':>11} {'floor ms':>9} {'ratio':>6}")
        for name, console, bare in rows:
            ours, base = median_ms(console, args.repeat), median_ms(bare, args.repeat)
            print(f"{name:30} {ours:11.1f} {base:9.1f} {ours / base:6.1f}")
        db.dispose()


if __name__ == "__main__":
    main()
