"""``require_scope`` and ``require_policy`` on an app of one's own (the app's validator)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from ticketbooth import Policy, Principal
from ticketbooth.assembly import Services
from ticketbooth.testing import bearer
from ticketbooth.tokens.errors import ConfigurationError
from ticketbooth.web.authorization import add_policy, require_policy, require_scope

Mint = Callable[..., str]
INSUFFICIENT = (
    'Bearer error="insufficient_scope", error_description="This requires the scope '
    'orders:read", scope="orders:read"'
)


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/report")
    async def report(caller: Principal = Depends(require_scope("orders:read"))) -> dict[str, str]:
        return {"kind": caller.kind, "sub": caller.user_id}

    @app.get("/admins", dependencies=[Depends(require_policy("admins"))])
    async def admins() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/services", dependencies=[Depends(require_policy("services"))])
    async def services() -> dict[str, str]:
        return {"ok": "yes"}

    add_policy(app, "admins", Policy(roles=("Admin",), message="Admins only"))
    add_policy(app, "services", Policy(scopes=("orders:read",), kinds=("client",)))
    return app


@pytest.fixture
def client(tb_client_for: Callable[[FastAPI], TestClient]) -> TestClient:
    return tb_client_for(create_app())


def client_token(services: Services, scopes: tuple[str, ...]) -> str:
    new = services.clients.add(f"svc{len(scopes)}", scopes=scopes)
    return services.oauth.issue(new.record, None).access_token


def test_a_client_with_the_scope_passes(client: TestClient, tb_services: Services) -> None:
    token = client_token(tb_services, ("orders:read",))
    response = client.get("/report", headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["kind"] == "client"
    assert client.get("/services", headers=bearer(token)).status_code == 200


def test_a_missing_scope_is_insufficient_scope(
    client: TestClient, tb_services: Services, mint_token: Mint
) -> None:
    for token in (client_token(tb_services, ("orders:write",)), mint_token("alice")):
        response = client.get("/report", headers=bearer(token))
        assert response.status_code == 403
        assert response.headers["WWW-Authenticate"] == INSUFFICIENT
        assert response.json() == {"message": "This requires the scope orders:read"}


def test_policies_by_name(client: TestClient, tb_services: Services, mint_token: Mint) -> None:
    assert client.get("/admins", headers=bearer(mint_token("root", "Admin"))).status_code == 200
    refused = client.get("/admins", headers=bearer(mint_token("alice", "User")))
    assert refused.status_code == 403
    assert refused.json() == {"message": "Admins only"}
    assert "WWW-Authenticate" not in refused.headers
    service = client_token(tb_services, ("orders:read",))
    assert client.get("/admins", headers=bearer(service)).status_code == 403  # no roles
    person = client.get("/services", headers=bearer(mint_token("root", "Admin")))
    assert person.status_code == 403
    assert person.json() == {"message": "You do not have permission to do this"}


def test_no_token_is_401(client: TestClient) -> None:
    response = client.get("/report")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_policy_is_registered_once() -> None:
    app = create_app()
    with pytest.raises(ConfigurationError, match="already registered"):
        add_policy(app, "admins", Policy())
    with pytest.raises(ConfigurationError, match="at least one scope"):
        require_scope()
