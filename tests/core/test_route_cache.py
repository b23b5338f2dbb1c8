"""The cache of route resolutions has a bounded size in bytes, whatever the requests."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware

from .support import RawCall

pytestmark = pytest.mark.anyio

#: The documented bound (docs/performance.md), with room for the allocator's own overhead.
CACHE_BOUND = 4 * 2**20


def _catch_all() -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    app.add_api_route("/{anything:path}", lambda: "ok")
    return app


async def _memory_kept_after(app: FastAPI, paths: Callable[[], Iterator[str]]) -> int:
    """Bytes still allocated after ``app`` answered a request for each path.

    The paths are made while measured, as a server makes each request's path.
    """
    message = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    async def drop(message: dict[str, Any]) -> None:
        return None

    await app(RawCall("/warm-up").scope, receive, drop)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for path in paths():
            await app(RawCall(path).scope, receive, drop)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


async def test_long_paths_are_not_kept() -> None:
    def paths() -> Iterator[str]:
        return (f"/{number}/" + "x" * 16_384 for number in range(1_024))

    assert await _memory_kept_after(_catch_all(), paths) < CACHE_BOUND


async def test_a_full_cache_of_the_longest_cached_paths_stays_within_the_bound() -> None:
    def paths() -> Iterator[str]:
        return (f"/{number}/".ljust(500, "x") for number in range(4_096 + 64))

    assert await _memory_kept_after(_catch_all(), paths) < CACHE_BOUND
