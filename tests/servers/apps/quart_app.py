"""Quart, the middleware around its ``asgi_app``; the health route kept up by ``exempt_handler``."""

from __future__ import annotations

from quart import Quart

from fastapi_maintenance import MaintenanceModeMiddleware

from . import _events

app = Quart(__name__)
app.asgi_app = MaintenanceModeMiddleware(  # type: ignore[method-assign]
    app.asgi_app, exempt_handler=_events.is_health_check
)


@app.before_serving
async def startup() -> None:
    _events.record("startup")


@app.after_serving
async def shutdown() -> None:
    _events.record("shutdown")


@app.get("/")
async def index() -> dict[str, bool]:
    return {"started": _events.started}


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
