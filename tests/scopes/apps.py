"""The apps the scope tests serve with uvicorn, each naming the service it is; their backend
is ``FASTAPI_MAINTENANCE_BACKEND``."""

from __future__ import annotations

import os

from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off


def service_app(service: str | None) -> FastAPI:
    """An app whose ``/`` answers its service's name and process, and whose ``/health`` stays
    up whatever the state says, so a test knows when the server is ready."""
    app = FastAPI()
    if service is None:
        app.add_middleware(MaintenanceModeMiddleware)
    else:
        app.add_middleware(MaintenanceModeMiddleware, service=service)

    @app.get("/")
    async def index() -> dict[str, object]:
        return {"service": service, "pid": os.getpid()}

    @app.get("/health")
    @force_maintenance_mode_off
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


billing = service_app("billing")
shop = service_app("shop")
#: Names no service: the service is ``FASTAPI_MAINTENANCE_SERVICE``, if set.
unnamed = service_app(None)
