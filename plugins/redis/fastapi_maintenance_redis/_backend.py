"""``RedisBackend``: one maintenance switch in Redis, pushed to every process by pub/sub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from redis.asyncio import Redis
from redis.asyncio.connection import SSLConnection
from redis.exceptions import RedisError

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance.remote import Outage, RemoteBackend

from ._follower import Follower
from ._log import logger
from ._loop import needs_asyncio
from ._options import (
    DEFAULT_KEY,
    DEFAULT_RESYNC_INTERVAL,
    DEFAULT_TIMEOUT,
    build_options,
    redacted,
    split_url,
)
from ._store import read, write


class RedisBackend(RemoteBackend[Redis]):
    """The state is a key in Redis (``1`` or ``0``, or a JSON document for a state with a
    message, a window or read-only; a missing key is off).

    Requests never wait on Redis: ``cached_state`` answers from memory, kept current by
    a background task that subscribes to ``channel``, re-reads ``key`` on every
    (re)subscription and every ``resync_interval`` seconds, and reconnects with jittered
    backoff after a failure. Until the first read succeeds, the state is ``assume``.
    ``set_state`` writes the key and announces the change in one Lua script, so every
    process sees a new message or window as fast as a switch on or off.

    Pass ``url`` (plus redis-py connection options), or ``client``: an existing
    ``redis.asyncio.Redis`` that the driver uses but never closes. Reads and writes use
    that client, else the background task's, else one opened for the call alone.

    It runs on asyncio only: ``start`` raises ``AsyncioRequiredError`` elsewhere (under
    trio, say), so the application refuses to start rather than serve a guess for ever.
    """

    #: What a Redis call raises when the server is down, slow or refuses the command.
    _failures: ClassVar[tuple[type[BaseException], ...]] = (
        RedisError,
        OSError,
        asyncio.TimeoutError,
    )

    def __init__(
        self,
        url: str | None = None,
        *,
        key: str = DEFAULT_KEY,
        channel: str | None = None,
        client: Redis | None = None,
        assume: bool | str = False,
        resync_interval: float | str = DEFAULT_RESYNC_INTERVAL,
        timeout: float | str = DEFAULT_TIMEOUT,
        **redis_options: Any,
    ) -> None:
        self.options = build_options(
            url,
            client=client,
            key=key,
            channel=channel,
            assume=assume,
            resync_interval=resync_interval,
            timeout=timeout,
            redis_kwargs=redis_options,
        )
        self._client = client
        super().__init__(assume=self.options.assume, timeout=self.options.timeout, logger=logger)
        self._follower = Follower(self.options, self._cache, Outage(self.describe(), logger))
        #: The client the background task uses, in ``self._loop``, while it runs.
        self._live: Redis | None = None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisBackend:
        """``redis://``, ``rediss://`` or ``unix://``; ``key``, ``channel``, ``assume``,
        ``resync_interval`` and ``timeout`` may be query parameters, the rest go to redis-py."""
        plain, ours = split_url(url)
        return cls(plain, **{**ours, **options})

    @property
    def key(self) -> str:
        return self.options.key

    @property
    def channel(self) -> str:
        return self.options.channel

    def describe(self) -> str:
        if self.options.url is not None:
            where = redacted(self.options.url)
        else:
            assert self._client is not None
            where = _location_of(self._client)
        return f"redis: {where} key={self.options.key}"

    # the store: reads, writes and the change feed ----------------------------------------

    async def _read(self, client: Redis) -> MaintenanceState:
        state, _ = await read(client, self.options.key)
        return state

    async def _write(self, client: Redis, state: MaintenanceState) -> int:
        """Write the key and announce the change in one Lua script."""
        return await write(client, self.options.key, self.options.channel, state)

    def _client_at_hand(self, loop: asyncio.AbstractEventLoop) -> Redis | None:
        if self._client is None and self._loop is loop:
            return self._live
        return self._client

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[Redis]:
        client = self.options.new_client()
        try:
            yield client
        finally:
            await client.aclose()

    async def _follow(self, ready: asyncio.Event) -> None:
        client = self._client or self.options.new_client()
        self._live = client
        try:
            await self._follower.run(client, ready)
        finally:
            if self._live is client:
                self._live = None
            if client is not self._client:
                await client.aclose()

    def _needs_asyncio(self) -> RuntimeError:
        return needs_asyncio(self.describe())


def _location_of(client: Redis) -> str:
    """Where an application's client points, from its pool, without credentials."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    scheme = "rediss" if issubclass(pool.connection_class, SSLConnection) else "redis"
    host, port, db = kwargs.get("host", "localhost"), kwargs.get("port", 6379), kwargs.get("db", 0)
    return f"{scheme}://{host}:{port}/{db}"
