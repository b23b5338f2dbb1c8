"""Applications on a backend, as tests drive them: the lifespan a server would run, and
the statuses a client sees."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.types import ASGIApp, Message

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance.backends import BaseStateBackend

from .waiting import patience


def app_on(backend: BaseStateBackend) -> FastAPI:
    """An app whose one route, ``/``, answers 200 unless ``backend`` says maintenance."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"served": True}

    return app


async def statuses(client: httpx.AsyncClient, count: int, pause: float = 0.0) -> set[int]:
    """The statuses of ``count`` requests to ``/``, ``pause`` seconds apart."""
    seen = set()
    for _ in range(count):
        seen.add((await client.get("/")).status_code)
        await asyncio.sleep(pause)
    return seen


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Run ``app``'s lifespan startup, then its shutdown on exit, as a server would."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.ensure_future(app(scope, inbox.get, outbox.put))
    bound = patience(5)
    try:
        await inbox.put({"type": "lifespan.startup"})
        started = await asyncio.wait_for(outbox.get(), bound)
        assert started["type"] == "lifespan.startup.complete"
        yield
        await inbox.put({"type": "lifespan.shutdown"})
        stopped = await asyncio.wait_for(outbox.get(), bound)
        assert stopped["type"] == "lifespan.shutdown.complete"
    finally:
        await asyncio.wait_for(task, bound)
