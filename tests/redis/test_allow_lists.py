"""Allow-lists stored in Redis: written through one backend, honoured by every app on
another backend of the same key, as a fleet of processes shares one state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware, set_maintenance_mode

from .._remote.apps import lifespan
from .._remote.checks import with_query
from .conftest import MakeBackend

pytestmark = [pytest.mark.anyio, pytest.mark.redis]

#: Seconds a change may take to reach another backend; far above the milliseconds it takes.
PROPAGATION_BOUND = 5.0
OFFICE = "203.0.113.7"

ClientFor = Callable[[FastAPI], httpx.AsyncClient]


def make_app(backend: str) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)

    @app.get("/{rest:path}")
    async def anything(rest: str) -> str:
        return rest

    return app


async def until_answered(client: httpx.AsyncClient, path: str, status: int) -> None:
    """Request ``path`` until the app answers ``status``; fail after the bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROPAGATION_BOUND
    while (seen := (await client.get(path)).status_code) != status:
        if loop.time() > deadline:
            pytest.fail(f"{path} still answers {seen}, not {status}, after {PROPAGATION_BOUND}s")
        await asyncio.sleep(0.01)


async def test_lists_written_through_one_backend_are_honoured_by_an_app_on_another(
    redis_url: str, redis_key: str, make_backend: MakeBackend, client_for: ClientFor
) -> None:
    app = make_app(with_query(redis_url, key=redis_key))
    writer = make_backend()
    async with lifespan(app):
        client = client_for(app)
        await set_maintenance_mode(True, writer, allow_paths=["/internal/*"])
        await until_answered(client, "/items", 503)
        assert (await client.get("/internal/x")).status_code == 200


async def test_a_stored_range_is_honoured_by_an_app_on_another_backend(
    redis_url: str, redis_key: str, make_backend: MakeBackend
) -> None:
    app = make_app(with_query(redis_url, key=redis_key))
    writer = make_backend()
    transport = httpx.ASGITransport(app=app, client=(OFFICE, 40000))
    async with (
        lifespan(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as office,
    ):
        await set_maintenance_mode(True, writer)
        await until_answered(office, "/items", 503)
        await set_maintenance_mode(True, writer, allow_ips=["203.0.113.0/24"])
        await until_answered(office, "/items", 200)
        await set_maintenance_mode(True, writer)
        await until_answered(office, "/items", 503)
