"""Fixtures for the HTTP contract tests (``start_server`` lives in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PASSWORDS, ROLES, Server, start_server


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server, users admin (Admin) and john (User), for every module in tests/http.

    Overrides the module-scoped fixture of the same name: each start costs seconds.  It
    is safe to share because no test here changes what another relies on: the users a
    test disables or deletes are its own, failed logins stay far below the per-address
    limit and never near admin's or john's, logout leaves access tokens valid, and
    products are only added, or deleted by the id their own test created.  Tests that
    lock usernames or need other settings start their own server.
    """
    srv = start_server(
        tmp_path_factory.mktemp("server"), {}, {n: (ROLES[n], PASSWORDS[n]) for n in PASSWORDS}
    )
    yield srv
    srv.stop()


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    """A client of the shared server, closed after the test."""
    with server.client() as http:
        yield http
