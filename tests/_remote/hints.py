"""What a flood of forged hints (Redis messages, PostgreSQL notifications) may cost a
follower, asked the same way of every remote driver: each plugin's tests bring the flood."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.remote import HINT_INTERVAL

from .waiting import wait_until

#: ``flood(seconds)``: send forged hints for that long; how many were sent.
Flood = Callable[[float], Awaitable[int]]


async def assert_a_flood_costs_at_most_one_read_per_interval(
    follower: BaseStateBackend, flood: Flood, reads: list[float]
) -> None:
    """``reads`` holds when the follower read the store, as ``loop.time()``."""
    await follower.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    sent = await flood(1.0)
    await asyncio.sleep(2 * HINT_INTERVAL)  # the trailing read
    elapsed = loop.time() - started
    during = [at for at in reads if at >= started]
    assert len(during) <= elapsed / HINT_INTERVAL + 1, f"{len(during)} reads in {elapsed:.2f} s"
    assert sent > 10 * len(during), "the flood was too thin to tell"
    assert follower.cached_value() is False


async def assert_a_change_amid_a_flood_is_served(
    follower: BaseStateBackend, writer: BaseStateBackend, flood: Flood
) -> None:
    await follower.start()
    flooding = asyncio.ensure_future(flood(3.0))
    try:
        await asyncio.sleep(0.3)
        await writer.set_value(True)
        await wait_until(lambda: follower.cached_value() is True, timeout=2)
        assert not flooding.done(), "the change arrived only once the flood was over"
    finally:
        await flooding
