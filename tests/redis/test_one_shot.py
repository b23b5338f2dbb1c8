"""A CLI or a script that never starts the backend: a few round trips, no follower."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import pytest

from fastapi_maintenance import (
    BackendUnavailableError,
    get_maintenance_mode,
    set_maintenance_mode,
)
from fastapi_maintenance_redis import RedisBackend

from .servers import RedisServer

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


def calls(server: RedisServer) -> dict[str, int]:
    """Commands the server ran since the last CONFIG RESETSTAT, by name."""
    with server.client() as client:
        stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(s["calls"]) for name, s in stats.items()}


async def test_on_then_status_without_start_cost_one_write_and_three_reads(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    await asyncio.to_thread(server.start)
    backend = RedisBackend(server.url, key="state")
    with server.client() as client:
        client.config_resetstat()
    with caplog.at_level(logging.DEBUG, logger="fastapi_maintenance.redis"):
        await set_maintenance_mode(True, backend)  # `on`: a read (the scopes kept), the write
        assert await get_maintenance_mode(backend) is True  # ... and its read-back
        assert await get_maintenance_mode(backend) is True  # `status`
    ran = calls(server)
    assert (ran.get("eval"), ran.get("exec")) == (1, 3)
    assert not {"subscribe", "ping", "mget"} & set(ran), ran
    assert caplog.records == []


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """A TCP server that accepts connections and never answers; yields its URL."""
    writers: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        while await reader.read(4096):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    try:
        yield f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


@pytest.mark.parametrize("action", ["get_value", "set_value"])
async def test_a_call_to_a_server_that_never_answers_fails_within_timeout(action: str) -> None:
    loop = asyncio.get_running_loop()
    async with silent_server() as url:
        backend = RedisBackend(url, key="state", timeout=0.5)
        began = loop.time()
        with pytest.raises(BackendUnavailableError, match="timed out"):
            await (backend.get_value() if action == "get_value" else backend.set_value(True))
        took = loop.time() - began
    assert took < 0.5 + 0.25, f"gave up after {took:.2f} s"
