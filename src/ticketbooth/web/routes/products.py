"""``/api/products``: the demo API that shows ``require_user`` and ``require_role``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from ...errors import NotFoundError
from ...principal import Principal
from ..dependencies import require_role, require_user
from ..responses import JSONResponse
from ._common import BEARER, Message, services
from .products_schemas import MyInfo, Product, ProductIn

ProductId = Annotated[int, Path(ge=1, le=2**31 - 1)]

products_router = APIRouter(prefix="/api/products", tags=["products"])


@products_router.get("", response_model=list[Product], openapi_extra=BEARER)
def list_products(request: Request, _user: Principal = Depends(require_user)) -> JSONResponse:
    """Every product.  Any authenticated user."""
    rows = services(request).products.list()
    return JSONResponse([{"id": p.id, "name": p.name, "price": p.price} for p in rows])


@products_router.get("/my-info", response_model=MyInfo, openapi_extra=BEARER)
async def my_info(request: Request) -> JSONResponse:
    """Who the token says the caller is; answered from the token alone."""
    # The busiest route calls require_user itself: as a Depends() it costs FastAPI a
    # second level of dependency solving, a sixth of this route's time in the app
    # (bench/http.py).  Same function, same errors, same OpenAPI document.
    user = await require_user(request)
    return JSONResponse({"userId": user.user_id, "userName": user.username, "role": user.role})


@products_router.get(
    "/{product_id}",
    response_model=Product,
    responses={404: {"model": Message}},
    openapi_extra=BEARER,
)
def get_product(
    product_id: ProductId, request: Request, _user: Principal = Depends(require_user)
) -> JSONResponse:
    """One product.  Any authenticated user."""
    product = services(request).products.get(product_id)
    if product is None:
        raise NotFoundError("Product not found")
    return JSONResponse({"id": product.id, "name": product.name, "price": product.price})


@products_router.post("", status_code=201, response_model=Product, openapi_extra=BEARER)
def create_product(
    body: ProductIn, request: Request, _admin: Principal = Depends(require_role("Admin"))
) -> JSONResponse:
    """Create a product.  Role ``Admin``."""
    product = services(request).products.add(body.name, body.price)
    return JSONResponse(
        {"id": product.id, "name": product.name, "price": product.price},
        status_code=201,
        headers={"Location": f"/api/products/{product.id}"},
    )


@products_router.delete(
    "/{product_id}",
    status_code=204,
    responses={404: {"model": Message}},
    openapi_extra=BEARER,
)
def delete_product(
    product_id: ProductId, request: Request, _admin: Principal = Depends(require_role("Admin"))
) -> Response:
    """Delete a product.  Role ``Admin``."""
    if not services(request).products.delete(product_id):
        raise NotFoundError("Product not found")
    return Response(status_code=204)
