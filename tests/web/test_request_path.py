"""The request path's plumbing: flat routes, the exact-path index, orjson bodies, bound
metric children."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from ticketbooth.web.flat import ExactPaths, include_flat, index_exact_paths
from ticketbooth.web.metrics import Metrics, RequestTimer
from ticketbooth.web.responses import JSONResponse


def _router() -> APIRouter:
    router = APIRouter(prefix="/things", tags=["things"])

    @router.get("/{thing_id}", status_code=200, responses={404: {"description": "none"}})
    async def get_thing(thing_id: int) -> dict[str, int]:
        """One thing."""
        return {"id": thing_id}

    @router.delete("/{thing_id}", status_code=204, include_in_schema=False)
    async def delete_thing(thing_id: int) -> None:
        return None

    return router


def test_include_flat_registers_each_route_on_the_app_with_the_same_document() -> None:
    nested, flat = FastAPI(), FastAPI()
    nested.include_router(_router())
    include_flat(flat, _router())

    added = [route for route in flat.router.routes[4:] if isinstance(route, APIRoute)]
    assert len(added) == len(flat.router.routes) - 4
    assert [(r.path, r.methods) for r in added] == [
        ("/things/{thing_id}", {"GET"}),
        ("/things/{thing_id}", {"DELETE"}),
    ]
    assert flat.openapi() == nested.openapi()
    with TestClient(flat) as client:
        assert client.get("/things/7").json() == {"id": 7}
        assert client.delete("/things/7").status_code == 204
        refused = client.get("/things/seven")
        assert refused.status_code == 422


def test_include_flat_refuses_what_is_not_a_path_operation() -> None:
    router = APIRouter()

    @router.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.close()

    with pytest.raises(TypeError, match="include_flat takes path operations only"):
        include_flat(FastAPI(), router)


def _shadowed_app() -> tuple[FastAPI, list[str]]:
    """Static paths, one shadowed by an earlier parameter route; the scan's visits."""
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        return {"route": "item", "id": item_id}

    @app.get("/items/special")
    async def special() -> dict[str, str]:
        return {"route": "special"}

    @app.post("/items/special")
    async def make_special() -> dict[str, str]:
        return {"route": "make-special"}

    @app.get("/plain")
    async def plain() -> dict[str, str]:
        return {"route": "plain"}

    index_exact_paths(app)
    scanned: list[str] = []
    index = app.router.middleware_stack
    assert isinstance(index, ExactPaths)
    scan = index.scan

    async def counting_scan(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scanned.append(f"{scope['method']} {scope['path']}")
        await scan(scope, receive, send)

    index.scan = counting_scan
    return app, scanned


def test_exact_paths_pick_the_route_the_scan_would_pick() -> None:
    app, scanned = _shadowed_app()
    with TestClient(app) as client:
        assert client.get("/plain").json() == {"route": "plain"}
        # GET /items/special: the parameter route comes first, so it answers, as in a scan
        assert client.get("/items/special").json() == {"route": "item", "id": "special"}
        assert client.post("/items/special").json() == {"route": "make-special"}
        assert client.get("/items/7").json() == {"route": "item", "id": "7"}
        assert client.put("/plain").status_code == 405
        assert client.get("/nowhere").status_code == 404
        assert client.get("/plain/").json() == {"route": "plain"}  # the scan's redirect
    assert scanned == ["GET /items/7", "PUT /plain", "GET /nowhere", "GET /plain/"]


def test_exact_paths_leave_a_root_path_to_the_scan() -> None:
    app, scanned = _shadowed_app()
    with TestClient(app, root_path="/prefix") as client:
        assert client.get("/prefix/plain").json() == {"route": "plain"}
    assert scanned == ["GET /prefix/plain"]


def test_the_service_indexes_its_static_routes(tmp_path: Path) -> None:
    from ticketbooth.config import Settings
    from ticketbooth.web.app import create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'db'}", secret_key="x" * 40))
    index = app.router.middleware_stack
    assert isinstance(index, ExactPaths)
    assert ("GET", "/api/products/my-info") in index.table
    assert ("POST", "/api/auth/refresh-token") in index.table
    assert not any("{" in path for _, path in index.table)
    assert ("DELETE", "/api/auth/sessions/revoke-others") not in index.table


@pytest.mark.parametrize(
    "content",
    [
        {"userId": "1", "userName": "jöhn ☃", "role": "User"},
        [{"id": 1, "name": 'Tea "strong"', "price": 12.5}, {"id": 2, "name": "", "price": 0.1}],
        {"message": "line\nbreak \\ and \u2028 and \x00"},
        {"n": 2**53, "f": 1234567.89, "t": True, "none": None},
    ],
)
def test_json_bodies_are_the_bytes_starlette_would_send(content: object) -> None:
    assert JSONResponse(content).body == StarletteJSONResponse(content).body
    assert json.loads(bytes(JSONResponse(content).body)) == content


def test_json_bodies_spell_exponents_shorter_with_the_same_value() -> None:
    assert JSONResponse({"f": 1e-7}).body == b'{"f":1e-7}'
    assert json.loads(bytes(StarletteJSONResponse({"f": 1e-7}).body)) == {"f": 1e-7}


def test_json_bodies_refuse_what_json_cannot_carry() -> None:
    with pytest.raises(TypeError):
        JSONResponse({"price": object()})
    assert JSONResponse({"price": math.nan}).body == b'{"price":null}'


def test_request_timer_binds_each_route_method_and_status_once() -> None:
    metrics = Metrics()
    app = FastAPI()
    include_flat(app, _router())
    app.add_middleware(RequestTimer, metrics=metrics)
    with TestClient(app) as client:
        for _ in range(3):
            client.get("/things/1")
        client.get("/things/x")
        client.get("/nowhere")
    timer = app.middleware_stack
    while not isinstance(timer, RequestTimer):
        timer = timer.app  # type: ignore[union-attr]
    assert sorted((method, status) for _, method, status in timer._children) == [
        ("GET", 200),
        ("GET", 404),
        ("GET", 422),
    ]
    text = metrics.render().decode()
    line = (
        'ticketbooth_request_duration_seconds_count{method="GET",'
        'route="/things/{thing_id}",status="200"} 3.0'
    )
    assert line in text
    assert 'method="GET",route="unmatched",status="404"' in text


def test_fastapi_telemetry_is_off_unless_its_own_switch_asks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ticketbooth.web.app import _telemetry

    monkeypatch.delenv("FASTAPI_OTEL_AUTO_CONFIGURE", raising=False)
    assert _telemetry() == {"tracing": False, "metrics": False, "logs": False}
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "TRUE")
    assert _telemetry() is None
