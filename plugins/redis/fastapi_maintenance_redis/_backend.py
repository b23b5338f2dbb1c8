"""``RedisBackend``: one maintenance switch in Redis, pushed to every process by pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from redis.asyncio import Redis
from redis.asyncio.connection import SSLConnection
from redis.exceptions import RedisError

from fastapi_maintenance import (
    BackendUnavailableError,
    BaseStateBackend,
    InvalidStateError,
    MaintenanceState,
)
from fastapi_maintenance.remote import Outage, StateCache, bounded, describe_error

from ._follower import Follower
from ._log import logger
from ._loop import AsyncioRequiredError, running_loop
from ._options import (
    DEFAULT_KEY,
    DEFAULT_RESYNC_INTERVAL,
    DEFAULT_TIMEOUT,
    build_options,
    redacted,
    split_url,
)
from ._store import read, write

_T = TypeVar("_T")
#: What a Redis call raises when the server is down, slow or refuses the command.
_REDIS_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


class RedisBackend(BaseStateBackend):
    """The state is a key in Redis (``1`` or ``0``, or a JSON document for a state with a
    message, a window or read-only; a missing key is off).

    Requests never wait on Redis: ``cached_state`` answers from memory, kept current by
    a background task that subscribes to ``channel``, re-reads ``key`` on every
    (re)subscription and every ``resync_interval`` seconds, and reconnects with jittered
    backoff after a failure. Until the first read succeeds, the state is ``assume``.
    ``set_state`` writes the key and announces the change in one Lua script, so every
    process sees a new message or window as fast as a switch on or off.

    Pass ``url`` (plus redis-py connection options), or ``client``: an existing
    ``redis.asyncio.Redis`` that the driver uses but never closes.

    It runs on asyncio only: ``start`` raises ``AsyncioRequiredError`` elsewhere (under
    trio, say), so the application refuses to start rather than serve a guess for ever.
    """

    supports_changes: ClassVar[bool] = True
    stores_details: ClassVar[bool] = True

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
        self._cache = StateCache(self.options.assume)
        self._follower = Follower(self.options, self._cache, Outage(self.describe(), logger))
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()
        #: The client the background task uses, in ``self._loop``, while it runs.
        self._live: Redis | None = None
        self._closed = False
        self._warned_no_loop = False

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

    # the hot path --------------------------------------------------------------------

    def cached_state(self) -> MaintenanceState:
        """The state this process follows, the same object until it changes."""
        task = self._task
        if task is None or task.done():
            self._start_soon()
        return self._cache.serving()

    def cached_value(self) -> bool:
        """Whether the state this process follows is active now (a window counts)."""
        task = self._task
        if task is None or task.done():
            self._start_soon()
        untimed = self._cache.untimed
        return self._cache.serving().active_at(time.time()) if untimed is None else untimed

    # lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Follow the state in the background; wait up to ``timeout`` for the first read.

        ``AsyncioRequiredError`` outside an asyncio event loop (the driver cannot follow).
        """
        self._launch(running_loop(self.describe()))
        if not self._ready.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await bounded(self._ready.wait(), self.options.timeout)

    def _start_soon(self) -> None:
        """Start without waiting, for an application that sends no lifespan events."""
        if self._closed:
            return
        try:
            loop = running_loop(self.describe())
        except AsyncioRequiredError as exc:
            if not self._warned_no_loop:
                self._warned_no_loop = True
                logger.error(
                    "cannot follow the maintenance state: %s; serving the %s state (%s) "
                    "from this caller",
                    exc,
                    "last known" if self._cache.known else "assumed",
                    "on" if self._cache.serving_on() else "off",
                )
            return
        self._launch(loop)

    def _launch(self, loop: asyncio.AbstractEventLoop) -> None:
        task = self._task
        if task is not None and not task.done() and self._loop is loop:
            return
        self._closed = False
        self._loop = loop
        self._ready = asyncio.Event()
        self._task = loop.create_task(self._follow(self._ready))

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

    async def aclose(self) -> None:
        """Stop the background task and close the connections the driver opened."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            loop = task.get_loop()
            if loop is _current_loop():
                task.cancel()
                await asyncio.wait([task])
            elif not loop.is_closed():  # started in another thread's event loop
                loop.call_soon_threadsafe(task.cancel)
        self._cache.end_listeners()

    # reading and writing -------------------------------------------------------------

    async def get_state(self) -> MaintenanceState:
        """Read the key; ``InvalidStateError`` if it holds no state, ``BackendUnavailableError``
        if Redis cannot be read in time."""
        try:
            state, _ = await self._call(lambda client: read(client, self.options.key))
        except InvalidStateError as exc:
            raise InvalidStateError(f"cannot read {self.describe()}: {exc}") from None
        except _REDIS_FAILURES as exc:
            raise BackendUnavailableError(
                f"cannot read the maintenance state from {self.describe()}: {describe_error(exc)}"
            ) from exc
        return state

    async def get_value(self) -> bool:
        """Whether the state in the key is active now; raises as ``get_state`` does."""
        return (await self.get_state()).is_active()

    async def set_value(self, value: bool) -> None:
        """Write a plain ``1`` or ``0`` and announce it atomically."""
        await self.set_state(MaintenanceState(on=bool(value)))

    async def set_state(self, state: MaintenanceState) -> None:
        """Write the state and announce it atomically; ``BackendUnavailableError`` if not."""
        options = self.options
        try:
            version = await self._call(
                lambda client: write(client, options.key, options.channel, state)
            )
        except _REDIS_FAILURES as exc:
            raise BackendUnavailableError(
                f"cannot write the maintenance state to {self.describe()}: {describe_error(exc)}"
            ) from exc
        self._cache.offer(state, version)

    async def changes(self) -> AsyncIterator[bool]:
        """Each change of the state this process serves, until ``aclose``."""
        queue = self._cache.listen()
        try:
            await self.start()
            while (value := await queue.get()) is not None:
                yield value
        finally:
            self._cache.unlisten(queue)

    async def _call(self, action: Callable[[Redis], Awaitable[_T]]) -> _T:
        """Run ``action`` within ``timeout`` on the best client at hand.

        That is the application's client, else the background task's, else a client
        opened for this call alone (a CLI or script that never starts the backend).
        """

        loop = running_loop(self.describe())

        async def run() -> _T:
            client = self._client
            if client is None and self._loop is loop:
                client = self._live
            if client is not None:
                return await action(client)
            client = self.options.new_client()
            try:
                return await action(client)
            finally:
                await client.aclose()

        return await bounded(run(), self.options.timeout)


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _location_of(client: Redis) -> str:
    """Where an application's client points, from its pool, without credentials."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    scheme = "rediss" if issubclass(pool.connection_class, SSLConnection) else "redis"
    host, port, db = kwargs.get("host", "localhost"), kwargs.get("port", 6379), kwargs.get("db", 0)
    return f"{scheme}://{host}:{port}/{db}"
