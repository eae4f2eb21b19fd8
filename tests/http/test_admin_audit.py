"""``/api/admin/audit``, ``/api/admin/status`` and the ``/admin`` page, on both engines."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.databases import ENGINES
from tests.servers import Server, ServerFactory, require_redis

from .helpers import bearer, login

PAGE_FIELDS = {"items", "page", "size", "total"}
EVENT_FIELDS = {
    "id",
    "at",
    "event",
    "outcome",
    "userId",
    "userName",
    "address",
    "userAgent",
    "detail",
}


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, str]:
    return bearer(server.token("admin"))


def audit(client: httpx.Client, admin: dict[str, str], **params: Any) -> httpx.Response:
    return client.get("/api/admin/audit", params=params, headers=admin)


def test_a_page_of_events_newest_first(client: httpx.Client, admin: dict[str, str]) -> None:
    for _ in range(6):
        login(client, f"ghost{secrets.token_hex(3)}", "wrong password")

    response = audit(client, admin, size=5)

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert (body["page"], body["size"]) == (1, 5)
    ids = [e["id"] for e in body["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)
    assert set(body["items"][0]) == EVENT_FIELDS
    second = audit(client, admin, size=5, page=2).json()
    assert second["items"][0]["id"] < ids[-1]


def test_filters_by_user_event_and_outcome(client: httpx.Client, admin: dict[str, str]) -> None:
    name = f"ghost{secrets.token_hex(3)}"  # no such user: the failure names them anyway
    for _ in range(2):
        login(client, name, "wrong password")

    by_user = audit(client, admin, user=name).json()
    failures = audit(client, admin, user=name, event="login", outcome="failure").json()
    successes = audit(client, admin, user=name, outcome="success").json()

    assert by_user["total"] == failures["total"] == 2
    assert {(e["event"], e["outcome"], e["userName"]) for e in failures["items"]} == {
        ("login", "failure", name)
    }
    assert failures["items"][0]["detail"] == {"reason": "unknown_user"}
    assert successes["total"] == 0


def test_a_users_filter_finds_rows_that_name_only_their_id(
    server: Server, client: httpx.Client, admin: dict[str, str]
) -> None:
    access = server.token("john")
    client.post("/api/auth/logout", headers=bearer(access))  # the logout row has no name

    rows = audit(client, admin, user="john", event="logout").json()["items"]

    assert rows and rows[0]["userName"] is None
    assert (
        rows[0]["userId"]
        == client.get("/api/admin/users", params={"q": "john"}, headers=admin).json()["items"][0][
            "id"
        ]
    )


def test_a_time_range_keeps_what_lies_inside(client: httpx.Client, admin: dict[str, str]) -> None:
    newest = audit(client, admin, size=1).json()["items"][0]
    at = datetime.fromisoformat(newest["at"].replace("Z", "+00:00"))
    inside = {
        "since": (at - timedelta(hours=1)).isoformat(),
        "until": (at + timedelta(hours=1)).isoformat(),
    }
    before = {"until": (at - timedelta(days=3650)).isoformat()}
    naive = {"since": at.replace(tzinfo=None).isoformat()}  # a time without a zone is UTC

    assert newest["id"] in [
        e["id"] for e in audit(client, admin, **inside, size=100).json()["items"]
    ]
    assert audit(client, admin, **before).json()["total"] == 0
    assert newest["id"] in [
        e["id"] for e in audit(client, admin, **naive, size=100).json()["items"]
    ]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        (
            {"since": "2030-01-01T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
            400,
            "since must be earlier than until",
        ),
        ({"event": "Not-An-Event"}, 400, "event must be an event name (lower-case letters and _)"),
        ({"page": 0}, 400, "page must be between 1 and 1,000,000"),
        ({"size": 500}, 400, "size must be between 1 and 100"),
        ({"outcome": "maybe"}, 422, None),
        ({"since": "yesterday"}, 422, None),
        ({"user": "x" * 151}, 422, None),
        ({"user": "nul\x00"}, 422, "query.user: must not contain NUL characters"),
    ],
)
def test_bad_filters_are_refused_in_one_line(
    client: httpx.Client,
    admin: dict[str, str],
    params: dict[str, Any],
    status: int,
    message: str | None,
) -> None:
    response = audit(client, admin, **params)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message"} and "\n" not in body["message"]
    if message is not None:
        assert body == {"message": message}
    else:
        assert body["message"].startswith("query.")


def test_verification_walks_the_chain(client: httpx.Client, admin: dict[str, str]) -> None:
    total = audit(client, admin, size=1).json()["total"]

    body = client.get("/api/admin/audit/verify", headers=admin).json()

    assert body["intact"] is True
    assert (body["brokenAt"], body["reason"]) == (None, None)
    assert body["checked"] >= total


def test_logins_are_counted_per_hour_over_seven_days(
    client: httpx.Client, admin: dict[str, str]
) -> None:
    def totals() -> tuple[int, int, int]:
        hours = client.get("/api/admin/audit/logins", headers=admin).json()["hours"]
        assert len(hours) == 7 * 24
        starts = [datetime.fromisoformat(h["hour"].replace("Z", "+00:00")) for h in hours]
        assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(starts))
        return (
            sum(h["successes"] for h in hours),
            sum(h["failures"] for h in hours),
            sum(h["rateLimited"] for h in hours),
        )

    before = totals()
    login(client, f"nobody{secrets.token_hex(3)}", "wrong password")
    login(client, "john", "tr0ub4dor&3-and-more")
    after = totals()

    assert after[0] >= before[0] + 1
    assert after[1] >= before[1] + 1


def test_the_status_strip(client: httpx.Client, admin: dict[str, str]) -> None:
    body = client.get("/api/admin/status", headers=admin).json()

    assert (body["database"], body["redis"]) == ("ok", "off")
    assert body["key"]["source"] == "environment"
    assert (body["key"]["activatedAt"], body["key"]["ageSeconds"]) == (None, None)
    assert body["chain"]["intact"] is True


@pytest.mark.parametrize("engine", ENGINES)
def test_an_edited_row_breaks_the_chain_and_redis_shows_ok(
    server_factory: ServerFactory, engine: str
) -> None:
    redis_url = require_redis()
    own = server_factory(
        engine=engine,
        settings={"TICKETBOOTH_SECRET_KEY": "", "TICKETBOOTH_REDIS_URL": redis_url},
    )
    admin = bearer(own.token("admin"))
    with own.client() as client:
        status = client.get("/api/admin/status", headers=admin).json()
        assert (status["redis"], status["key"]["source"]) == ("ok", "database")
        assert status["key"]["ageSeconds"] >= 0
        target = audit(client, admin, event="login", size=1).json()["items"][0]["id"]
        engine_ = create_engine(own.database_url)
        try:
            with engine_.begin() as connection:
                connection.execute(
                    text("UPDATE audit_events SET outcome = 'failure' WHERE id = :id"),
                    {"id": target},
                )
        finally:
            engine_.dispose()

        chain = client.get("/api/admin/audit/verify", headers=admin).json()
        status = client.get("/api/admin/status", headers=admin).json()

    assert chain == {
        "intact": False,
        "checked": chain["checked"],
        "brokenAt": target,
        "reason": "its contents do not match its hash (edited)",
    }
    assert status["chain"]["brokenAt"] == target


# -- the page --------------------------------------------------------------------------------


def cookies_of(server: Server, name: str) -> dict[str, str]:
    with server.client() as client:
        response = client.post(
            "/api/auth/login",
            json={"username": name, "password": server.passwords[name], "useCookies": True},
        )
        assert response.status_code == 200, response.text
        return dict(client.cookies)


def get_page(server: Server, cookies: dict[str, str] | None = None) -> httpx.Response:
    header = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    with server.client(headers={"Cookie": header} if header else {}) as client:
        return client.get("/admin")


def test_the_console_page_is_served_to_an_admin_with_a_strict_policy(server: Server) -> None:
    response = get_page(server, cookies_of(server, "admin"))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert '<script src="/static/admin.js" defer></script>' in response.text
    assert "<script>" not in response.text and " style=" not in response.text


def test_a_signed_in_user_gets_the_plain_refusal_page(server: Server) -> None:
    response = get_page(server, cookies_of(server, "john"))

    assert response.status_code == 403
    assert "This page needs the Admin role" in response.text
    assert "admin.js" not in response.text


def test_without_a_session_the_page_loads_and_asks_to_sign_in(server: Server) -> None:
    expired = get_page(server, {"access_token": "expired.or.forged"})
    nobody = get_page(server)

    for response in (expired, nobody):
        assert response.status_code == 200
        assert "Sign in first" in response.text


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("request.js", 200),
        ("admin.js", 200),
        ("admin-users.js", 200),
        ("admin-keys.js", 200),
        ("admin-clients.js", 200),
        ("admin-audit.js", 200),
        ("admin.css", 200),
        ("admin.html", 404),
        ("needs-admin.html", 404),
    ],
)
def test_the_console_files(client: httpx.Client, name: str, status: int) -> None:
    assert client.get(f"/static/{name}").status_code == status
