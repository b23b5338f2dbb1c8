"""Litestar, wrapped whole by the middleware; the health route kept up by ``exempt_handler``."""

from __future__ import annotations

from litestar import Litestar, get

from fastapi_maintenance import MaintenanceModeMiddleware

from . import _events


@get("/")
async def index() -> dict[str, bool]:
    return {"started": _events.started}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


litestar_app = Litestar(
    route_handlers=[index, health],
    on_startup=[lambda: _events.record("startup")],
    on_shutdown=[lambda: _events.record("shutdown")],
)
app = MaintenanceModeMiddleware(litestar_app, exempt_handler=_events.is_health_check)
