"""FastAPI, the middleware added with ``add_middleware`` and the health route forced off."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off

from . import _events


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    _events.record("startup")
    yield
    _events.record("shutdown")


app = FastAPI(lifespan=lifespan)
app.add_middleware(MaintenanceModeMiddleware)


@app.get("/")
async def index() -> dict[str, bool]:
    return {"started": _events.started}


@app.get("/health")
@force_maintenance_mode_off
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.websocket("/ws")
async def greet(websocket: WebSocket) -> None:
    """Greet, then wait for the client to close."""
    await websocket.accept()
    await websocket.send_text("hello")
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
