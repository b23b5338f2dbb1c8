"""A bare ASGI callable, no framework; the health route kept up by ``exempt_handler``."""

from __future__ import annotations

import json

from starlette.types import Receive, Scope, Send

from fastapi_maintenance import MaintenanceModeMiddleware

from . import _events


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _events.record("startup")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                _events.record("shutdown")
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        routes = {"/": {"started": _events.started}, "/health": {"status": "ok"}}
        found = scope["path"] in routes
        body = json.dumps(routes[scope["path"]] if found else {"detail": "Not Found"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200 if found else 404,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


app = MaintenanceModeMiddleware(bare, exempt_handler=_events.is_health_check)
