"""The applications under test: one async JSON route, optionally many routes before it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceModeMiddleware,
    force_maintenance_mode_on,
)
from fastapi_maintenance._request.tokens import Signer

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

#: Every bypass option, configured as a deployment would: none of them matches the
#: benchmark's requests except a valid token (``BYPASS_TOKEN``) in the bypass header.
BYPASS_SECRET = "benchmark-bypass-secret-0123456789abcdef"
BYPASS_OPTIONS: dict[str, Any] = {
    "exempt_paths": ["/health", "/internal/*"],
    "allow_ips": ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32"],
    "trusted_proxies": ["192.0.2.0/24"],
    "bypass_secret": [BYPASS_SECRET],
    "bypass_header": "X-Maintenance-Bypass",
    "bypass_query_param": "maintenance_bypass",
    "bypass_cookie": "maintenance_bypass",
}
#: The same, with the benchmark's target path exempt: the cheapest bypass.
BYPASS_OPTIONS_TARGET_EXEMPT: dict[str, Any] = {
    **BYPASS_OPTIONS,
    "exempt_paths": [*BYPASS_OPTIONS["exempt_paths"], TARGET_PATH],
}
_BYPASS = {"": {}, "all": BYPASS_OPTIONS, "target-exempt": BYPASS_OPTIONS_TARGET_EXEMPT}
#: A header token good for a day, made when the benchmark starts.
BYPASS_TOKEN = Signer([BYPASS_SECRET]).token(86400).encode()

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
    bypass: str = "",
) -> FastAPI:
    """A FastAPI app with ``routes`` routes of its own, behind the middleware given a ``backend``
    (or ``pinned_off``: with ``enable_maintenance=False``, which asks no driver at all; or
    ``reference``: behind :class:`ReferenceMiddleware` instead). ``bypass`` configures every
    bypass option: ``"all"`` (:data:`BYPASS_OPTIONS`) or ``"target-exempt"``.

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
        options = _BYPASS[bypass]
        app.add_middleware(MaintenanceModeMiddleware, backend=backend, **options)
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
    backend: BaseStateBackend | str | None = None,
    *,
    reference: bool = False,
    bypass: str = "",
) -> ASGIApp:
    """A one-response pure ASGI app, bare, behind the middleware (with the bypass options
    named by ``bypass``, as in :func:`build_app`), or behind the reference."""
    if reference:
        return ReferenceMiddleware(_minimal)
    if backend is not None:
        options = _BYPASS[bypass]
        return MaintenanceModeMiddleware(_minimal, backend=backend, **options)
    return _minimal
