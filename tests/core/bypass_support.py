"""An app that echoes what reached it, behind the middleware with bypass options."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI, Request
from starlette.types import Receive, Scope, Send

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)
from fastapi_maintenance._request.tokens import COOKIE, Signer

SECRET = "s3cret-for-tests-0123456789abcdef-A"
OLD_SECRET = "s3cret-for-tests-0123456789abcdef-B"
OTHER_SECRET = "an-unrelated-secret-0123456789abcdef"
#: The address httpx's ASGI transport gives as the peer unless told otherwise.
PEER = "127.0.0.1"


def echo_app(**options: Any) -> FastAPI:
    """Every path answers 200 with the headers and query string the app received;
    ``/legacy`` is forced into maintenance, ``/open`` out of it. Maintenance is on unless
    options say otherwise."""
    app = FastAPI()
    options.setdefault("enable_maintenance", True)
    app.add_middleware(MaintenanceModeMiddleware, **options)

    @app.get("/legacy")
    @force_maintenance_mode_on
    async def legacy() -> str:
        return "legacy"

    @app.get("/open")
    @force_maintenance_mode_off
    async def open_route(request: Request) -> dict[str, Any]:
        return {"headers": [[k.decode(), v.decode()] for k, v in request.headers.raw]}

    @app.api_route("/{rest:path}", methods=["GET", "POST"])
    async def echo(request: Request, rest: str) -> dict[str, Any]:
        return {
            "path": request.url.path,
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.headers.raw],
            "query": request.url.query,
        }

    return app


Client = Callable[..., httpx.AsyncClient]


def client_for(
    app: Any, peer: str = PEER, base_url: str = "http://testserver"
) -> httpx.AsyncClient:
    """An httpx client talking ASGI to ``app`` as if from ``peer``, redirects not followed."""
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=False)


def token(secret: str = SECRET, lifetime: float = 3600, now: float | None = None) -> str:
    """A bypass token, as ``fastapi-maintenance bypass-token`` prints it."""
    return Signer([secret]).token(lifetime, now)


def cookie_value(secret: str = SECRET, lifetime: int = 3600) -> str:
    """A bypass cookie's value, as the link's redirect sets it."""
    return Signer([secret]).sign(int(time.time()) + lifetime, COOKIE)


def header_names(response: httpx.Response) -> list[str]:
    """The header names the app said it received (from an echo response)."""
    return [name for name, _ in response.json()["headers"]]


def with_root_path(app: Any, root: str) -> Any:
    """``app`` served behind a proxy that strips ``root`` (as ``uvicorn --root-path``)."""

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        await app(dict(scope, root_path=root), receive, send)

    return served
