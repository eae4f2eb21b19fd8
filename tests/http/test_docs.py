"""Interactive docs and the OpenAPI document, with the bearer scheme on protected routes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.servers import Server

PROTECTED = [
    ("get", "/api/products"),
    ("post", "/api/products"),
    ("get", "/api/products/{product_id}"),
    ("delete", "/api/products/{product_id}"),
    ("get", "/api/products/my-info"),
    ("post", "/api/auth/logout"),
]
PUBLIC = [("post", "/api/auth/login"), ("post", "/api/auth/refresh-token")]


@pytest.fixture(scope="module")
def openapi(server: Server) -> dict[str, Any]:
    with server.client() as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_docs_are_html(client: httpx.Client) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "/openapi.json" in response.text


def _bearer_schemes(openapi: dict[str, Any]) -> set[str]:
    schemes = openapi["components"]["securitySchemes"]
    return {
        name
        for name, scheme in schemes.items()
        if scheme["type"] == "http" and scheme["scheme"].lower() == "bearer"
    }


def test_openapi_has_a_bearer_scheme(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.")
    assert _bearer_schemes(openapi)


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_routes_use_the_bearer_scheme(
    openapi: dict[str, Any], method: str, path: str
) -> None:
    security = openapi["paths"][path][method]["security"]

    assert any(set(requirement) & _bearer_schemes(openapi) for requirement in security)


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_token_endpoints_need_no_bearer(openapi: dict[str, Any], method: str, path: str) -> None:
    operation = openapi["paths"][path][method]

    assert not operation.get("security")
    assert "requestBody" in operation


def test_every_api_route_is_documented(openapi: dict[str, Any]) -> None:
    documented = {(method, path) for path, item in openapi["paths"].items() for method in item}

    assert set(PROTECTED + PUBLIC) <= documented
