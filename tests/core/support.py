"""Backends and applications shared by the core tests."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, WebSocket
from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)

DETAIL = {"detail": "Service temporarily unavailable due to maintenance"}


class MemoryBackend(BaseStateBackend):
    """A writable backend kept in memory that records every call made to it."""

    def __init__(self, value: bool = False) -> None:
        self.value = value
        self.calls: list[str] = []

    async def get_value(self) -> bool:
        self.calls.append("get_value")
        return self.value

    async def set_value(self, value: bool) -> None:
        self.calls.append("set_value")
        self.value = value

    async def start(self) -> None:
        self.calls.append("start")

    async def aclose(self) -> None:
        self.calls.append("aclose")


class FlakyBackend(BaseStateBackend):
    """A backend without a cache whose reads can be made to fail or hang."""

    def __init__(self, value: bool = False) -> None:
        self.value = value
        self.mode = "ok"  # "ok", "raise" or "hang"

    async def get_value(self) -> bool:
        if self.mode == "raise":
            raise ConnectionError("store unreachable")
        if self.mode == "hang":
            await asyncio.Event().wait()
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


def shop_app(**middleware_options: Any) -> FastAPI:
    """A small shop behind the middleware: plain, forced-on and forced-off routes, a websocket."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, **middleware_options)

    @app.get("/items")
    async def list_items() -> dict[str, list[int]]:
        return {"items": [1, 2]}

    @app.post("/items")
    async def add_item() -> dict[str, bool]:
        return {"added": True}

    @app.get("/health")
    @force_maintenance_mode_off
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/legacy")
    @force_maintenance_mode_on
    async def legacy() -> dict[str, str]:
        return {"status": "still here"}

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    @app.websocket("/ws-open")
    @force_maintenance_mode_off
    async def echo_open(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("open")
        await websocket.close()

    return app
