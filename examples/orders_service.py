"""A second service that trusts ticketbooth's tokens without holding any secret.

It fetches the issuer's public keys (JWKS) through discovery, verifies every bearer
token locally, and records which user placed each order.  People place and read their
own orders; services read the report with a client token granting ``orders:read``
(``examples/reports_job.py`` is such a service).  Run it beside ticketbooth (signing
with RS256, ES256 or EdDSA, so the keys are public)::

    TICKETBOOTH_ALGORITHM=ES256 ticketbooth serve --port 8000
    python examples/orders_service.py --issuer-url http://127.0.0.1:8000 --port 8001

    curl -X POST localhost:8001/api/orders -H "Authorization: Bearer $ACCESS" \\
         -H 'Content-Type: application/json' -d '{"productId": 1, "quantity": 2}'
"""

from __future__ import annotations

import argparse
import itertools
import threading
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ticketbooth import Policy, Principal
from ticketbooth.tokens.profiles import ACCESS_PROFILES
from ticketbooth.verify import JWKSVerifier
from ticketbooth.web.errors import install_handlers

REPORT_SCOPE = "orders:read"
PEOPLE_ONLY = Policy(
    kinds=("user",), message="This route is for users; a client's token cannot call it"
)


class OrderIn(BaseModel):
    productId: Annotated[int, Field(ge=1)]
    quantity: Annotated[int, Field(ge=1, le=1000)] = 1


def create_app(
    issuer_url: str, audience: str, *, refetch_interval: float = 5.0, max_age: float = 60.0
) -> FastAPI:
    """The orders service, verifying tokens issued at ``issuer_url``."""
    verifier = JWKSVerifier(
        issuer_url,
        audience,
        refetch_interval=refetch_interval,
        max_age=max_age,
        profiles=ACCESS_PROFILES,  # people's tokens and services' (client) tokens
    )
    require_user = verifier.fastapi_dependency(policy=PEOPLE_ONLY)
    require_reader = verifier.fastapi_dependency(scopes=(REPORT_SCOPE,))
    orders: list[dict[str, Any]] = []
    ids = itertools.count(1)
    lock = threading.Lock()

    app = FastAPI(title="orders (example)")
    install_handlers(app)
    app.state.verifier = verifier

    @app.post("/api/orders", status_code=201)
    async def create_order(body: OrderIn, user: Principal = Depends(require_user)) -> JSONResponse:
        with lock:
            order = {
                "id": next(ids),
                "productId": body.productId,
                "quantity": body.quantity,
                "userId": user.user_id,
                "userName": user.username,
            }
            orders.append(order)
        return JSONResponse(
            order, status_code=201, headers={"Location": f"/api/orders/{order['id']}"}
        )

    @app.get("/api/orders")
    async def my_orders(user: Principal = Depends(require_user)) -> list[dict[str, Any]]:
        return [o for o in orders if o["userId"] == user.user_id]

    @app.get("/api/orders/report")
    async def report(caller: Principal = Depends(require_reader)) -> dict[str, Any]:
        """Every order, for a caller whose token grants ``orders:read``."""
        with lock:
            every = list(orders)
        return {
            "orders": len(every),
            "quantity": sum(o["quantity"] for o in every),
            "readBy": caller.client_id or caller.user_id,
        }

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "jwksFetches": verifier.fetch_count}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer-url", default="http://127.0.0.1:8000")
    parser.add_argument("--audience", default="ticketbooth-api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
    parser.add_argument(
        "--refetch-interval", type=float, default=5.0, help="least seconds between JWKS fetches"
    )
    parser.add_argument(
        "--max-age", type=float, default=60.0, help="seconds before cached keys are refreshed"
    )
    args = parser.parse_args()
    app = create_app(
        args.issuer_url,
        args.audience,
        refetch_interval=args.refetch_interval,
        max_age=args.max_age,
    )
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    sock = config.bind_socket()  # bound here so that the line below names the real port
    print(f"orders: listening on http://{args.host}:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
