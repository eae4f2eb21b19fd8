"""Shared fixtures: real server processes on real sockets (tests/servers.py), every engine.

``engine_name`` (from tests/databases.py) is module-scoped and parametrized over SQLite
and PostgreSQL, so every test that uses ``server`` — or a module fixture built on
``module_servers`` and ``engine_name`` — runs once per engine (``-k sqlite`` or
``-k postgresql`` picks one).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import engine_name
from tests.servers import ServerPool, server_factory

from .servers import Server

__all__ = ["engine_name", "module_servers", "server", "server_factory"]


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    """A pool for servers shared by the tests of one module; stopped after the module."""
    with ServerPool(tmp_path_factory) as pool:
        yield pool


@pytest.fixture(scope="module")
def server(module_servers: ServerPool, engine_name: str) -> Server:
    """One server per test module and engine, with users admin (Admin) and john (User)."""
    return module_servers.start(engine=engine_name)
