"""A force decorator given a router forces every route the router holds, wherever the
router is included."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from fastapi.testclient import TestClient

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)

pytestmark = pytest.mark.anyio


def _admin() -> APIRouter:
    router = APIRouter(prefix="/admin")

    @router.get("/stats")
    async def stats() -> dict[str, int]:
        return {"users": 3}

    @router.post("/reindex")
    def reindex() -> dict[str, bool]:
        return {"started": True}

    return router


def _app(router: APIRouter, *, on: bool) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=on)
    app.include_router(router)

    @app.get("/items")
    async def items() -> list[str]:
        return ["book"]

    return app


async def test_a_router_forced_off_keeps_every_route_up(client_for: Any) -> None:
    client = client_for(_app(force_maintenance_mode_off(_admin()), on=True))

    assert (await client.get("/admin/stats")).json() == {"users": 3}
    assert (await client.post("/admin/reindex")).json() == {"started": True}
    assert (await client.get("/items")).status_code == 503


async def test_a_router_forced_on_blocks_every_route(client_for: Any) -> None:
    client = client_for(_app(force_maintenance_mode_on(_admin()), on=False))

    assert (await client.get("/admin/stats")).status_code == 503
    assert (await client.post("/admin/reindex")).status_code == 503
    assert (await client.get("/items")).json() == ["book"]


async def test_routes_of_a_router_included_in_the_router_are_forced(client_for: Any) -> None:
    outer = APIRouter(prefix="/api")
    outer.include_router(_admin())
    client = client_for(_app(force_maintenance_mode_off(outer), on=True))

    assert (await client.get("/api/admin/stats")).status_code == 200


async def test_a_route_forced_on_its_own_keeps_its_mark(client_for: Any) -> None:
    router = _admin()

    @router.get("/broken")
    @force_maintenance_mode_on
    async def broken() -> str:
        return "never"

    client = client_for(_app(force_maintenance_mode_off(router), on=True))

    assert (await client.get("/admin/broken")).status_code == 503
    assert (await client.get("/admin/stats")).status_code == 200


async def test_a_forced_router_keeps_its_websockets_up(client_for: Any) -> None:
    router = _admin()

    @router.websocket("/feed")
    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    app = _app(force_maintenance_mode_off(router), on=True)
    with TestClient(app).websocket_connect("/admin/feed") as websocket:
        assert websocket.receive_text() == "hello"


def test_an_empty_router_is_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match="after declaring them"):
        force_maintenance_mode_off(APIRouter())


def test_the_decorator_returns_the_router_itself() -> None:
    router = _admin()
    assert force_maintenance_mode_off(router) is router
