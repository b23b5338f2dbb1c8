"""Litestar, wrapped whole by the middleware; the health route kept up by ``exempt_handler``."""

from __future__ import annotations

from litestar import Litestar, WebSocket, get, websocket

from fastapi_maintenance import MaintenanceModeMiddleware

from . import _events


@get("/")
async def index() -> dict[str, bool]:
    return {"started": _events.started}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@websocket("/ws")
async def greet(socket: WebSocket) -> None:
    await socket.accept()
    await socket.send_text("hello")
    await socket.close()


litestar_app = Litestar(
    route_handlers=[index, health, greet],
    on_startup=[lambda: _events.record("startup")],
    on_shutdown=[lambda: _events.record("shutdown")],
)
app = MaintenanceModeMiddleware(litestar_app, exempt_handler=_events.is_health_check)
