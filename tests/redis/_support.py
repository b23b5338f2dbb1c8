"""Helpers of the Redis tests alone: looking into the server."""

from __future__ import annotations

import redis.asyncio


async def connections_named(client: redis.asyncio.Redis, name: str) -> int:
    """How many connections the server holds whose CLIENT SETNAME is ``name``."""
    return sum(1 for c in await client.client_list() if c.get("name") == name)
