"""The driver under ``MaintenanceModeMiddleware``: configured by URL, started by the app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import httpx
import pytest
import redis.asyncio
from fastapi import FastAPI
from starlette.types import ASGIApp

from fastapi_maintenance import MaintenanceModeMiddleware, configure_backend

from .._remote.apps import lifespan
from .._remote.checks import with_query
from ._support import connections_named
from .conftest import MakeBackend

pytestmark = [pytest.mark.anyio, pytest.mark.redis]

#: Seconds a change may take to reach the requests; far above the milliseconds it takes.
PROPAGATION_BOUND = 5.0

ClientFor = Callable[[FastAPI], httpx.AsyncClient]


def make_app(**middleware_options: object) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, **middleware_options)

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"served": True}

    return app


async def test_requests_follow_a_change_published_by_another_client(
    redis_url: str, redis_key: str, make_backend: MakeBackend, client_for: ClientFor
) -> None:
    app = make_app(backend=with_query(redis_url, key=redis_key))
    client, writer = client_for(app), make_backend()
    async with lifespan(app):
        assert (await client.get("/")).status_code == 200
        await writer.set_value(True)
        await until_answered(client, 503)
        await writer.set_value(False)
        await until_answered(client, 200)


async def test_the_state_is_read_before_the_first_request_is_served(
    redis_url: str, redis_key: str, make_backend: MakeBackend, client_for: ClientFor
) -> None:
    await make_backend().set_value(True)
    app = make_app(backend=with_query(redis_url, key=redis_key))
    async with lifespan(app):
        assert (await client_for(app).get("/")).status_code == 503


async def test_a_url_given_to_configure_backend_reaches_the_middleware(
    redis_url: str, redis_key: str, make_backend: MakeBackend, client_for: ClientFor
) -> None:
    await make_backend().set_value(True)
    configure_backend(with_query(redis_url, key=redis_key))
    app = make_app()
    async with lifespan(app):
        assert (await client_for(app).get("/")).status_code == 503


async def test_application_shutdown_closes_the_drivers_connections(
    redis_url: str, redis_key: str, raw: redis.asyncio.Redis, client_for: ClientFor
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    app = make_app(backend=with_query(redis_url, key=redis_key, client_name=name))
    async with lifespan(app):
        await client_for(app).get("/")
        assert await connections_named(raw, name) > 0
    assert await connections_named(raw, name) == 0


async def test_an_app_without_lifespan_follows_from_its_first_request(
    redis_url: str, redis_key: str, make_backend: MakeBackend, client_for: ClientFor
) -> None:
    app = make_app(backend=with_query(redis_url, key=redis_key))
    client, writer = client_for(app), make_backend()
    assert (await client.get("/")).status_code == 200
    backend = maintenance_middleware(app).backend
    assert backend is not None
    try:
        await writer.set_value(True)
        await until_answered(client, 503)
    finally:
        await backend.aclose()  # what the lifespan shutdown would have done


async def until_answered(client: httpx.AsyncClient, status: int) -> None:
    """Request until the app answers ``status``; fail after :data:`PROPAGATION_BOUND`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROPAGATION_BOUND
    while (seen := (await client.get("/")).status_code) != status:
        if loop.time() > deadline:
            pytest.fail(f"still answering {seen}, not {status}, after {PROPAGATION_BOUND}s")
        await asyncio.sleep(0.01)


def maintenance_middleware(app: FastAPI) -> MaintenanceModeMiddleware:
    """The middleware instance Starlette built for ``app`` on its first request."""
    layer: ASGIApp | None = app.middleware_stack
    while layer is not None and not isinstance(layer, MaintenanceModeMiddleware):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, MaintenanceModeMiddleware)
    return layer
