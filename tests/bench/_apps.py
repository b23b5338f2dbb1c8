"""The applications under test: one async JSON route, optionally many routes before it."""

from __future__ import annotations

from fastapi import FastAPI

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceModeMiddleware,
    force_maintenance_mode_on,
)

#: The route every request hits. With many routes it is registered last, so a router
#: that scans its routes in order does the most work to find it.
TARGET_PATH = "/target"
#: A route with a path parameter, registered after ``TARGET_PATH``: a new path on every
#: request defeats any cache keyed by path.
ITEM_PATH = "/items/{item_id}"
#: A route forced into maintenance: its mere presence makes the middleware look up the
#: route of every request, even with maintenance off.
FORCED_PATH = "/retired"


async def _target() -> dict[str, str]:
    return {"status": "ok"}


async def _item(item_id: int) -> dict[str, int]:
    return {"item": item_id}


async def _filler(item_id: int) -> dict[str, int]:
    return {"item": item_id}


@force_maintenance_mode_on
async def _retired() -> dict[str, str]:
    return {"status": "retired"}


def build_app(
    routes: int = 1,
    backend: BaseStateBackend | str | None = None,
    *,
    forced_route: bool = False,
    pinned_off: bool = False,
) -> FastAPI:
    """A FastAPI app with ``routes`` routes of its own, behind the middleware given a ``backend``
    (or ``pinned_off``: with ``enable_maintenance=False``, which asks no driver at all).

    ``routes - 2`` parametrised filler routes come first, then ``TARGET_PATH`` and ``ITEM_PATH``;
    an app of one route has only ``TARGET_PATH``. ``forced_route`` adds ``FORCED_PATH`` last.
    FastAPI's documentation routes stay, as in any default app.
    """
    app = FastAPI()
    for number in range(routes - 2):
        app.add_api_route(f"/filler{number}/{{item_id}}", _filler, methods=["GET"])
    app.add_api_route(TARGET_PATH, _target, methods=["GET"])
    if routes > 1:
        app.add_api_route(ITEM_PATH, _item, methods=["GET"])
    if forced_route:
        app.add_api_route(FORCED_PATH, _retired, methods=["GET"])
    if pinned_off:
        app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)
    elif backend is not None:
        app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    return app
