"""Helpers shared by the SQL tests: bounded waits, the driver's tasks, app lifespans."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.types import ASGIApp, Message


def patience(seconds: float) -> float:
    """``seconds`` stretched by the load of the machine (runnable processes per core, when
    above one): a bound that only guards against a hang must not fail on a busy machine."""
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):  # no load average on this platform
        load = 1.0
    return seconds * max(1.0, load)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds, stretched
    by :func:`patience`."""
    loop = asyncio.get_running_loop()
    allowed = patience(timeout)
    deadline = loop.time() + allowed
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"still false after {allowed:.1f}s: {predicate.__doc__ or predicate}")
        await asyncio.sleep(0.01)


def following_tasks() -> list[asyncio.Task[Any]]:
    """The driver's background tasks still running in this event loop."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and "SqlBackend._follow" in repr(task.get_coro())
    ]


def with_query(url: str, **query: str) -> str:
    """``url`` with more query parameters, whether or not it already has some."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


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
