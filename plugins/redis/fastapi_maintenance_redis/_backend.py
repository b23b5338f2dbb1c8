"""``RedisBackend``: one maintenance switch in Redis, pushed to every process by pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from fastapi_maintenance import BackendUnavailableError, BaseStateBackend
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import SSLConnection
from redis.exceptions import RedisError

from ._options import (
    DEFAULT_KEY,
    DEFAULT_RESYNC_INTERVAL,
    DEFAULT_TIMEOUT,
    build_options,
    redacted,
    split_url,
)
from ._resilience import Backoff, Outage, describe_error

_T = TypeVar("_T")
#: What a Redis call raises when the server is down, slow or refuses the command.
_REDIS_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


class InvalidStateError(ValueError):
    """The key holds something that is not a maintenance state."""


class SubscriptionSilentError(ConnectionError):
    """The pub/sub connection stopped answering pings, though it reported no error."""


class RedisBackend(BaseStateBackend):
    """The state is a key in Redis (``1`` or ``0``; a missing key is off).

    Requests never wait on Redis: :meth:`cached_value` answers from memory, kept current by
    a background task that subscribes to ``channel``, re-reads ``key`` on every
    (re)subscription and every ``resync_interval`` seconds, and reconnects with jittered
    backoff after a failure. Until the first read succeeds, the state is ``assume``.
    :meth:`set_value` writes the key and publishes the value in one transaction.

    Pass ``url`` (plus redis-py connection options), or ``client``: an existing
    ``redis.asyncio.Redis`` that the driver uses but never closes.
    """

    supports_changes: ClassVar[bool] = True

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
        self._value: bool | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()
        #: The client the background task uses, in ``self._loop``, while it runs.
        self._live: Redis | None = None
        self._closed = False
        self._listeners: set[asyncio.Queue[bool | None]] = set()
        self._outage = Outage(self.describe())

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

    def cached_value(self) -> bool:
        task = self._task
        if task is None or task.done():
            self._start_soon()
        return self._serving()

    def _serving(self) -> bool:
        value = self._value
        return self.options.assume if value is None else value

    def _accept(self, value: bool) -> None:
        before = self._serving()
        self._value = value
        if value != before:
            for queue in self._listeners:
                queue.put_nowait(value)

    # lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Follow the state in the background; wait up to ``timeout`` for the first read."""
        self._launch()
        if not self._ready.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ready.wait(), self.options.timeout)

    def _start_soon(self) -> None:
        """Start without waiting, for an application that sends no lifespan events."""
        if self._closed:
            return
        with contextlib.suppress(RuntimeError):  # no running event loop: a synchronous caller
            self._launch()

    def _launch(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._task
        if task is not None and not task.done() and self._loop is loop:
            return
        self._closed = False
        self._loop = loop
        self._ready = asyncio.Event()
        self._task = loop.create_task(self._follow_forever(self._ready))

    async def aclose(self) -> None:
        """Stop the background task and close the connections the driver opened."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            if task.get_loop() is asyncio.get_running_loop():
                await asyncio.wait([task])
        for queue in self._listeners:
            queue.put_nowait(None)

    # reading and writing -------------------------------------------------------------

    async def get_value(self) -> bool:
        """Read the key; ``BackendUnavailableError`` if Redis cannot be read in time."""
        try:
            return await self._call(self._read)
        except InvalidStateError as exc:
            raise BackendUnavailableError(f"cannot read {self.describe()}: {exc}") from exc
        except _REDIS_FAILURES as exc:
            raise BackendUnavailableError(
                f"cannot read the maintenance state from {self.describe()}: {describe_error(exc)}"
            ) from exc

    async def set_value(self, value: bool) -> None:
        """Write the key and publish the value atomically; ``BackendUnavailableError`` if not."""
        value = bool(value)
        text = self._bool_to_str(value)

        async def write(client: Redis) -> None:
            async with client.pipeline(transaction=True) as pipe:
                pipe.set(self.options.key, text)
                pipe.publish(self.options.channel, text)
                await pipe.execute()

        try:
            await self._call(write)
        except _REDIS_FAILURES as exc:
            raise BackendUnavailableError(
                f"cannot write the maintenance state to {self.describe()}: {describe_error(exc)}"
            ) from exc
        self._accept(value)

    async def changes(self) -> AsyncIterator[bool]:
        """Each change of the state this process serves, until :meth:`aclose`."""
        queue: asyncio.Queue[bool | None] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            await self.start()
            while (value := await queue.get()) is not None:
                yield value
        finally:
            self._listeners.discard(queue)

    async def _read(self, client: Redis) -> bool:
        raw = await client.get(self.options.key)
        return _parse_state(raw, f"key {self.options.key!r}")

    async def _call(self, action: Callable[[Redis], Awaitable[_T]]) -> _T:
        """Run ``action`` within ``timeout`` on the best client at hand.

        That is the application's client, else the background task's, else a client
        opened for this call alone (a CLI or script that never starts the backend).
        """

        async def run() -> _T:
            client = self._client
            if client is None and self._loop is asyncio.get_running_loop():
                client = self._live
            if client is not None:
                return await action(client)
            client = self.options.new_client()
            try:
                return await action(client)
            finally:
                await client.aclose()

        return await asyncio.wait_for(run(), self.options.timeout)

    # following the state in the background -------------------------------------------

    async def _follow_forever(self, ready: asyncio.Event) -> None:
        client = self._client or self.options.new_client()
        self._live = client
        backoff = Backoff(self.options.resync_interval)
        try:
            while True:
                try:
                    await self._follow(client, ready, backoff)
                except Exception as exc:
                    self._outage.failed(exc, self._serving(), self._value is not None)
                ready.set()
                await asyncio.sleep(backoff.next_delay())
        finally:
            if self._live is client:
                self._live = None
            if client is not self._client:
                await client.aclose()

    async def _follow(self, client: Redis, ready: asyncio.Event, backoff: Backoff) -> None:
        """Subscribe, read, then apply messages and resync until something fails."""
        pubsub = client.pubsub()
        try:

            async def subscribe() -> None:
                await pubsub.subscribe(self.options.channel)
                while (message := await pubsub.get_message(timeout=None)) is not None:
                    if message["type"] == "subscribe":
                        break
                await self._resync(client)

            await asyncio.wait_for(subscribe(), self.options.timeout)
            ready.set()
            backoff.reset()
            await self._listen(client, pubsub)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _listen(self, client: Redis, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.options.timeout
        interval = self.options.resync_interval
        pinged_at = heard_at = loop.time()
        next_check = pinged_at + interval
        while True:
            wait = max(0.0, next_check - loop.time())
            message = await asyncio.wait_for(pubsub.get_message(timeout=wait), wait + timeout)
            if message is not None:
                heard_at = loop.time()
                await self._on_message(client, message)
            if loop.time() >= next_check:
                if heard_at < pinged_at:
                    raise SubscriptionSilentError("the subscription stopped answering pings")
                pinged_at = loop.time()
                next_check = pinged_at + interval
                await asyncio.wait_for(pubsub.ping(), timeout)
                await asyncio.wait_for(self._resync(client), timeout)

    async def _on_message(self, client: Redis, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            try:
                self._accept(_parse_state(message["data"], "a published value"))
                return
            except InvalidStateError:
                pass  # someone else's message on our channel: the key has the truth
        elif kind != "subscribe":  # redis-py resubscribed after reconnecting: re-read
            return
        await asyncio.wait_for(self._resync(client), self.options.timeout)

    async def _resync(self, client: Redis) -> None:
        try:
            value = await self._read(client)
        except InvalidStateError as exc:
            self._outage.failed(exc, self._serving(), self._value is not None)
            return
        self._accept(value)
        self._outage.recovered(value)


def _parse_state(raw: object, what: str) -> bool:
    if raw is None:
        return False
    try:
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        return BaseStateBackend._str_to_bool(text)
    except (UnicodeDecodeError, ValueError):
        shown = raw if len(str(raw)) <= 40 else f"{str(raw)[:40]}..."
        raise InvalidStateError(
            f"{what} holds {shown!r}, which is not a maintenance state; "
            "expected 1 or 0 (or on/off, true/false, yes/no)"
        ) from None


def _location_of(client: Redis) -> str:
    """Where an application's client points, from its pool, without credentials."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    scheme = "rediss" if issubclass(pool.connection_class, SSLConnection) else "redis"
    host, port, db = kwargs.get("host", "localhost"), kwargs.get("port", 6379), kwargs.get("db", 0)
    return f"{scheme}://{host}:{port}/{db}"
