"""The pytest plugin: fixtures over :class:`~ticketbooth.testing.AuthHarness`.

Registered under the ``pytest11`` entry point, so installing ticketbooth makes these
fixtures available everywhere (``-p no:ticketbooth`` switches them off).  Loading the
plugin imports neither the database layer nor FastAPI: fixtures import what they use.
See :mod:`ticketbooth.testing` for the guide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ._clock import FrozenClock

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ..assembly import Services
    from ..errors import RefreshTokenReuseError
    from ..store.records import UserRecord
    from ._harness import AuthHarness

MARKER = "ticketbooth"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``ticketbooth`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): Settings values for this test's tb_auth "
        "(e.g. algorithm='ES256', access_minutes=5, revoke_access=True)",
    )


@pytest.fixture
def tb_clock() -> FrozenClock:
    """The frozen clock every part of ``tb_auth`` reads; move it with ``advance``."""
    return FrozenClock()


@pytest.fixture
def tb_settings() -> dict[str, Any]:
    """Settings values for ``tb_auth``; override this fixture to change them for many tests."""
    return {}


@pytest.fixture
def tb_auth(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    tb_clock: FrozenClock,
    tb_settings: dict[str, Any],
) -> Iterator[AuthHarness]:
    """A real ticketbooth on a new SQLite database, built on ``tb_clock``.

    Settings come from ``tb_settings``, then the test's ``ticketbooth`` marker.
    """
    from ._harness import AuthHarness

    values = dict(tb_settings)
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        values.update(marker.kwargs)
    harness = AuthHarness.create(tmp_path_factory.mktemp("ticketbooth"), tb_clock, **values)
    yield harness
    harness.close()


@pytest.fixture
def tb_services(tb_auth: AuthHarness) -> Services:
    """The services of ``tb_auth`` (issuer, validator, auth flows, keyring, users)."""
    return tb_auth.services


@pytest.fixture
def mint_token(tb_auth: AuthHarness) -> Callable[..., str]:
    """Mint an access token: ``mint_token("alice", "Admin", expired=True)``.

    See :meth:`AuthHarness.mint` for every argument.
    """
    return tb_auth.mint


@pytest.fixture
def rotate_keys(tb_auth: AuthHarness) -> Callable[..., str]:
    """Rotate the signing keys; returns the new ``kid`` (see :meth:`AuthHarness.rotate_keys`)."""
    return tb_auth.rotate_keys


@pytest.fixture
def replay_refresh(tb_auth: AuthHarness) -> Callable[[str], RefreshTokenReuseError]:
    """Present a rotated refresh token again (see :meth:`AuthHarness.replay_refresh`)."""
    return tb_auth.replay_refresh


@pytest.fixture
def revoke_user(tb_auth: AuthHarness) -> Callable[..., UserRecord]:
    """Sign a user out everywhere (see :meth:`AuthHarness.revoke_user`)."""
    return tb_auth.revoke_user


@pytest.fixture
def tb_app(tb_services: Services) -> FastAPI:
    """ticketbooth's own service app (login, refresh, logout, JWKS) over ``tb_services``."""
    from ..web.app import create_app

    return create_app(services=tb_services)


@pytest.fixture
def tb_client(tb_app: FastAPI) -> Iterator[TestClient]:
    """A TestClient of ``tb_app`` (its lifespan is not run: no background tasks)."""
    from fastapi.testclient import TestClient

    client = TestClient(tb_app)
    yield client
    client.close()


@pytest.fixture
def tb_client_for(tb_auth: AuthHarness) -> Iterator[Callable[[FastAPI], TestClient]]:
    """Wire an app of your own to ``tb_auth``'s validator and return a TestClient of it.

    ``require_user`` and ``require_role`` on that app then accept exactly the tokens
    ``tb_auth`` issues, and answer failures per RFC 6750.
    """
    from fastapi.testclient import TestClient

    from ..web.dependencies import attach

    clients: list[TestClient] = []

    def client_for(app: FastAPI) -> TestClient:
        attach(app, tb_auth.services.validator)
        clients.append(TestClient(app))
        return clients[-1]

    yield client_for
    for client in clients:
        client.close()
