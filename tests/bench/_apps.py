"""The applications under test: one async JSON route, optionally many routes before it."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_maintenance import BaseStateBackend, MaintenanceModeMiddleware

#: The route every request hits. With many routes it is registered last, so a router
#: that scans its routes in order does the most work to find it.
TARGET_PATH = "/target"
#: A route with a path parameter, registered after ``TARGET_PATH``: a new path on every
#: request defeats any cache keyed by path.
ITEM_PATH = "/items/{item_id}"


async def _target() -> dict[str, str]:
    return {"status": "ok"}


async def _item(item_id: int) -> dict[str, int]:
    return {"item": item_id}


async def _filler(item_id: int) -> dict[str, int]:
    return {"item": item_id}


def build_app(routes: int = 1, backend: BaseStateBackend | str | None = None) -> FastAPI:
    """A FastAPI app with ``routes`` routes of its own, behind the middleware given a ``backend``.

    ``routes - 2`` parametrised filler routes come first, then ``TARGET_PATH`` and ``ITEM_PATH``;
    an app of one route has only ``TARGET_PATH``. FastAPI's documentation routes stay, as in
    any default app.
    """
    app = FastAPI()
    for number in range(routes - 2):
        app.add_api_route(f"/filler{number}/{{item_id}}", _filler, methods=["GET"])
    app.add_api_route(TARGET_PATH, _target, methods=["GET"])
    if routes > 1:
        app.add_api_route(ITEM_PATH, _item, methods=["GET"])
    if backend is not None:
        app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    return app
