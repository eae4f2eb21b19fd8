"""The demo API: products by role, and my-info."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.servers import Server

from .helpers import ADMIN_REQUIRED, PRODUCT_NOT_FOUND, bearer, unverified

MISSING_ID = 2_000_000_000


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, str]:
    return bearer(server.token("admin"))


@pytest.fixture(scope="module")
def john(server: Server) -> dict[str, str]:
    return bearer(server.token("john"))


@pytest.fixture
def product(client: httpx.Client, admin: dict[str, str]) -> Iterator[dict[str, Any]]:
    response = client.post("/api/products", json={"name": "Widget", "price": 9.99}, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    yield created
    client.delete(f"/api/products/{created['id']}", headers=admin)


def test_create_as_admin(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post("/api/products", json={"name": "Gadget", "price": 12.5}, headers=admin)

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "price"}
    assert type(body["id"]) is int
    assert body["name"] == "Gadget"
    assert body["price"] == 12.5
    assert response.headers["Location"] == f"/api/products/{body['id']}"
    assert client.get(response.headers["Location"], headers=admin).json() == body


def test_integer_price_is_a_number(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post("/api/products", json={"name": "Round", "price": 12}, headers=admin)

    assert response.status_code == 201
    assert response.json()["price"] == 12


@pytest.mark.parametrize("who", ["admin", "john"])
def test_any_user_lists_products(
    request: pytest.FixtureRequest, client: httpx.Client, product: dict[str, Any], who: str
) -> None:
    response = client.get("/api/products", headers=request.getfixturevalue(who))

    assert response.status_code == 200
    products = response.json()
    assert isinstance(products, list)
    assert product in products
    assert all(set(p) == {"id", "name", "price"} for p in products)


@pytest.mark.parametrize("who", ["admin", "john"])
def test_any_user_gets_one_product(
    request: pytest.FixtureRequest, client: httpx.Client, product: dict[str, Any], who: str
) -> None:
    response = client.get(f"/api/products/{product['id']}", headers=request.getfixturevalue(who))

    assert response.status_code == 200
    assert response.json() == product


def test_missing_product_is_404(client: httpx.Client, john: dict[str, str]) -> None:
    response = client.get(f"/api/products/{MISSING_ID}", headers=john)

    assert response.status_code == 404
    assert response.json() == PRODUCT_NOT_FOUND


@pytest.mark.parametrize("product_id", ["abc", "1.5", "1e3", "0x10", "%20"])
def test_non_integer_id_is_422(client: httpx.Client, john: dict[str, str], product_id: str) -> None:
    response = client.get(f"/api/products/{product_id}", headers=john)

    assert response.status_code == 422
    assert isinstance(response.json()["message"], str)


def test_create_as_user_is_403(
    client: httpx.Client, admin: dict[str, str], john: dict[str, str]
) -> None:
    before = client.get("/api/products", headers=admin).json()

    response = client.post("/api/products", json={"name": "Nope", "price": 1}, headers=john)

    assert response.status_code == 403
    assert response.json() == ADMIN_REQUIRED
    assert client.get("/api/products", headers=admin).json() == before


def test_delete_as_admin(client: httpx.Client, admin: dict[str, str]) -> None:
    created = client.post("/api/products", json={"name": "Doomed", "price": 1}, headers=admin)
    location = created.headers["Location"]

    response = client.delete(location, headers=admin)

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(location, headers=admin).json() == PRODUCT_NOT_FOUND
    gone = client.delete(location, headers=admin)
    assert gone.status_code == 404
    assert gone.json() == PRODUCT_NOT_FOUND


def test_delete_missing_product_is_404(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.delete(f"/api/products/{MISSING_ID}", headers=admin)

    assert response.status_code == 404
    assert response.json() == PRODUCT_NOT_FOUND


def test_delete_as_user_is_403(
    client: httpx.Client, john: dict[str, str], product: dict[str, Any]
) -> None:
    response = client.delete(f"/api/products/{product['id']}", headers=john)

    assert response.status_code == 403
    assert response.json() == ADMIN_REQUIRED
    assert client.get(f"/api/products/{product['id']}", headers=john).json() == product


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"price": 1}, id="no-name"),
        pytest.param({"name": "Widget"}, id="no-price"),
        pytest.param({"name": "", "price": 1}, id="empty-name"),
        pytest.param({"name": "   ", "price": 1}, id="blank-name"),
        pytest.param({"name": "n" * 201, "price": 1}, id="name-201"),
        pytest.param({"name": 5, "price": 1}, id="name-number"),
        pytest.param({"name": "Widget", "price": "12.5"}, id="price-string"),
        pytest.param({"name": "Widget", "price": "abc"}, id="price-word"),
        pytest.param({"name": "Widget", "price": True}, id="price-bool"),
        pytest.param({"name": "Widget", "price": None}, id="price-null"),
        pytest.param({"name": "Widget", "price": [1]}, id="price-list"),
        pytest.param({"name": "Widget", "price": -1}, id="price-negative"),
        pytest.param({"name": "Widget", "price": -0.01}, id="price-just-negative"),
        pytest.param({"name": "Widget", "price": 1e10}, id="price-too-large"),
    ],
)
def test_invalid_product_is_422(
    client: httpx.Client, admin: dict[str, str], body: dict[str, Any]
) -> None:
    response = client.post("/api/products", json=body, headers=admin)

    assert response.status_code == 422, response.text
    assert isinstance(response.json()["message"], str)


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (b"NaN", "price: Input should be less than 10000000000"),
        (b"Infinity", "price: Input should be less than 10000000000"),
        (b"-Infinity", "price: Input should be greater than or equal to 0"),
        (b"1e400", "price: Input should be less than 10000000000"),
        (b"-1e400", "price: Input should be greater than or equal to 0"),
    ],
)
def test_non_finite_price_is_refused(
    client: httpx.Client, admin: dict[str, str], price: bytes, message: str
) -> None:
    response = client.post(
        "/api/products",
        content=b'{"name": "Widget", "price": ' + price + b"}",
        headers={**admin, "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert response.json() == {"message": message}


@pytest.mark.parametrize("who", ["admin", "john"])
def test_my_info(request: pytest.FixtureRequest, client: httpx.Client, who: str) -> None:
    headers = request.getfixturevalue(who)

    response = client.get("/api/products/my-info", headers=headers)

    assert response.status_code == 200
    _, claims = unverified(headers["Authorization"].removeprefix("Bearer "))
    assert response.json() == {
        "userId": claims["sub"],
        "userName": who,
        "role": {"admin": "Admin", "john": "User"}[who],
    }
