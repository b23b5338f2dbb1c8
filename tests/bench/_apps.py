"""The applications under test: one async JSON route, optionally many routes before it."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

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
#: A route forced into maintenance, under a first path segment of its own: with maintenance
#: off, requests for other segments are not looked up.
FORCED_PATH = "/retired"
#: A route forced into maintenance beside ``ITEM_PATH``: with maintenance off, every
#: ``/items/...`` request is looked up (and its resolution cached).
FORCED_ITEM_PATH = "/items/retired"

#: What the reference middleware reads: a module-level bool, the cheapest possible switch.
REFERENCE_ON = False


class ReferenceMiddleware:
    """The floor for any maintenance middleware: pure ASGI, a 503 when a module-level bool
    says so, nothing else (no driver, no routes, no exemptions)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if REFERENCE_ON and scope["type"] == "http":
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


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
    forced_route: str | None = None,
    pinned_off: bool = False,
    reference: bool = False,
) -> FastAPI:
    """A FastAPI app with ``routes`` routes of its own, behind the middleware given a ``backend``
    (or ``pinned_off``: with ``enable_maintenance=False``, which asks no driver at all; or
    ``reference``: behind :class:`ReferenceMiddleware` instead).

    ``routes - 2`` parametrised filler routes come first, then ``TARGET_PATH`` and ``ITEM_PATH``;
    an app of one route has only ``TARGET_PATH``. ``forced_route`` (``FORCED_PATH`` or
    ``FORCED_ITEM_PATH``) adds a route forced on, before ``ITEM_PATH`` so that it is reachable.
    FastAPI's documentation routes stay, as in any default app.
    """
    app = FastAPI()
    for number in range(routes - 2):
        app.add_api_route(f"/filler{number}/{{item_id}}", _filler, methods=["GET"])
    app.add_api_route(TARGET_PATH, _target, methods=["GET"])
    if forced_route is not None:
        app.add_api_route(forced_route, _retired, methods=["GET"])
    if routes > 1:
        app.add_api_route(ITEM_PATH, _item, methods=["GET"])
    if reference:
        app.add_middleware(ReferenceMiddleware)
    elif pinned_off:
        app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)
    elif backend is not None:
        app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    return app


_BODY = b'{"status":"ok"}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"15")]


async def _minimal(scope: Scope, receive: Receive, send: Send) -> None:
    """The smallest app that answers: what wraps it is most of what a request costs."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rpartition(".")[2]
            await send({"type": f"{message['type']}.complete"})
            if kind == "shutdown":
                return
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})


def build_minimal_app(
    backend: BaseStateBackend | str | None = None, *, reference: bool = False
) -> ASGIApp:
    """A one-response pure ASGI app, bare, behind the middleware, or behind the reference."""
    if reference:
        return ReferenceMiddleware(_minimal)
    if backend is not None:
        return MaintenanceModeMiddleware(_minimal, backend=backend)
    return _minimal
