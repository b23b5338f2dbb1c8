"""The examples of docs/middleware-order.md, run as written: order decides what a 503 carries."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off

from .support import lifespan_of

pytestmark = pytest.mark.anyio

PAGE = Path(__file__).resolve().parents[2] / "docs" / "middleware-order.md"
ORIGIN = "https://app.example.com"


def _example(section: str) -> Any:
    """The ``app`` the page's Python example under ``section`` builds, in maintenance."""
    text = PAGE.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1]
    source = re.search(r"```python\n(.*?)```", text, re.S)
    assert source is not None, f"no Python example under {section!r}"
    backend = 'backend="file:///tmp/myapp/maintenance"'
    assert backend in source[1]
    namespace: dict[str, Any] = {}
    exec(source[1].replace(backend, "enable_maintenance=True"), namespace)
    return namespace["app"]


def _with_items(app: FastAPI) -> FastAPI:
    @app.get("/items")
    async def items() -> list[int]:
        return [1, 2]

    return app


async def test_503_carries_cors_headers_when_cors_is_outside(client_for: Any) -> None:
    client = client_for(_with_items(_example("CORS")))
    response = await client.get("/items", headers={"origin": ORIGIN})
    assert response.status_code == 503
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-expose-headers"] == "Retry-After"
    assert response.headers["retry-after"] == "3600"


def _cors_then_maintenance() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN])
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    return app


async def test_cors_inside_the_middleware_is_reported_at_startup(
    logged: Callable[[str], list[str]],
) -> None:
    async with lifespan_of(_cors_then_maintenance()):
        assert logged("wraps CORSMiddleware") != []


async def test_cors_inside_an_app_wrapped_from_outside_is_reported(
    logged: Callable[[str], list[str]],
) -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN])
    MaintenanceModeMiddleware(app, enable_maintenance=True)
    assert logged("wraps CORSMiddleware") != []


async def test_cors_outside_the_middleware_is_not_reported(
    logged: Callable[[str], list[str]],
) -> None:
    async with lifespan_of(_example("CORS")):
        assert logged("wraps CORSMiddleware") == []


def _orders(app: FastAPI) -> FastAPI:
    @app.get("/orders")
    @force_maintenance_mode_off
    async def list_orders() -> list[int]:
        return []

    @app.post("/orders")
    async def create_order() -> str:
        return "created"

    return app


async def test_request_rewritten_outside_the_middleware_is_judged_as_rewritten(
    client_for: Any,
) -> None:
    client = client_for(_orders(_example("Middleware that rewrites the request")))
    assert (await client.get("/orders")).status_code == 200
    rewritten = await client.get("/orders", headers={"x-http-method-override": "POST"})
    assert rewritten.status_code == 503


async def test_app_wrapped_from_outside_is_in_maintenance(client_for: Any) -> None:
    client = client_for(_example("Wrapping an app from outside"))
    assert (await client.get("/items")).status_code == 503
    assert (await client.get("/missing")).status_code == 404
