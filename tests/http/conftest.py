"""Fixtures for the HTTP contract tests: one server per engine for the whole package."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.databases import ENGINES
from tests.servers import Server, ServerPool


@pytest.fixture(scope="package")
def http_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    with ServerPool(tmp_path_factory) as pool:
        yield pool


@pytest.fixture(scope="package", params=ENGINES)
def server(http_servers: ServerPool, request: pytest.FixtureRequest) -> Server:
    """One server per engine, users admin (Admin) and john (User), for every module here.

    Overrides the module-scoped fixture of the same name: each start costs seconds.  It
    is safe to share because no test here changes what another relies on: the users a
    test disables or deletes are its own, failed logins stay far below the per-address
    limit and never near admin's or john's, logout leaves access tokens valid, and
    products are only added, or deleted by the id their own test created.  Tests that
    lock usernames or need other settings start their own server.
    """
    return http_servers.start(engine=str(request.param))


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    """A client of the shared server, closed after the test."""
    with server.client() as http:
        yield http
