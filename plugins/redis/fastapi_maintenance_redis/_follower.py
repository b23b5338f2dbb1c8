"""The background task that keeps a process's ``StateCache`` in step with Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoPermissionError

from fastapi_maintenance.remote import (
    Backoff,
    HintedReads,
    Outage,
    StateCache,
    Throttled,
    bounded,
    describe_error,
)

from ._log import logger
from ._options import RedisOptions
from ._store import InvalidStateError, parse_hint, read

#: Messages taken from the socket at once after a hint; all of them lead to one read.
_DRAIN_LIMIT = 100


class SubscriptionSilentError(ConnectionError):
    """The pub/sub connection stopped answering pings, though it reported no error."""


class Follower:
    """Subscribes to the channel, re-reads the key on every (re)subscription, on every
    message announcing a newer version and every ``resync_interval``; after any failure
    starts over with jittered backoff.

    A message is only a hint: the state and its version are always read from the key, so
    whoever may publish on the channel cannot switch maintenance, and hints cause at most
    one read per ``HINT_INTERVAL``. Every Redis call is
    bounded by ``timeout``; a silent subscription is noticed by the ping sent at each resync.
    If Redis refuses the subscription (ACL), the key is read every ``resync_interval``.
    """

    def __init__(self, options: RedisOptions, cache: StateCache, outage: Outage) -> None:
        self.options = options
        self.cache = cache
        self.outage = outage
        self._dropped = Throttled(options.resync_interval, logger)
        self._hints = HintedReads()
        #: Why Redis refuses the subscription, while it does.
        self._refused: str | None = None

    async def run(self, client: Redis, ready: asyncio.Event) -> None:
        """Follow until cancelled; ``ready`` is set once the first attempt succeeded or failed."""
        loop = asyncio.get_running_loop()
        backoff = Backoff(self.options.resync_interval)
        while True:
            started = loop.time()
            try:
                await self._follow(client, ready, backoff)
                continue  # a polling round, with its pause, is over
            except Exception as exc:
                self.outage.failed(exc, self.cache.serving_on(), self.cache.known)
                if isinstance(exc, RedisConnectionError | OSError):
                    await self._drop_idle_connections(client)
            ready.set()
            # The delay counts from the start of the failed attempt: however long that
            # attempt took, Redis back is followed within one delay.
            await asyncio.sleep(max(0.0, started + backoff.next_delay() - loop.time()))

    async def _drop_idle_connections(self, client: Redis) -> None:
        """Close the pooled connections nobody uses: they died with the server, and one
        taken after Redis is back would fail the attempt that should succeed."""
        with contextlib.suppress(Exception):
            await bounded(
                client.connection_pool.disconnect(inuse_connections=False), self.options.timeout
            )

    async def _follow(self, client: Redis, ready: asyncio.Event, backoff: Backoff) -> None:
        """Subscribe, read, then follow hints and resync until something fails."""
        timeout = self.options.timeout
        pubsub = client.pubsub()
        try:
            try:
                await bounded(self._subscribe(pubsub), timeout)
            except NoPermissionError as exc:
                if not _about_channels(exc):
                    raise
                await self._poll(client, ready, backoff, exc)
                return
            # Subscribed first, read second: no change can fall in between.
            await bounded(self._resync(client), timeout)
            ready.set()
            backoff.reset()
            if self._refused is not None:
                logger.warning("subscribed to %r again: changes arrive at once", self._channel)
                self._refused = None
            await self._listen(client, pubsub)
        finally:
            await _aclose(pubsub)

    async def _subscribe(self, pubsub: PubSub) -> None:
        await pubsub.subscribe(self.options.channel)
        while (message := await pubsub.get_message(timeout=None)) is not None:
            if message["type"] == "subscribe":
                return

    async def _poll(
        self, client: Redis, ready: asyncio.Event, backoff: Backoff, refusal: Exception
    ) -> None:
        """Redis refuses the subscription: read the key now, and again after a pause."""
        if self._refused is None:
            self._refused = describe_error(refusal)
            logger.warning(
                "%s: this Redis user may not subscribe to channel %r (%s); reading the key "
                "every %g s instead, so a change takes up to that long to arrive. Grant the "
                "user the channel (&%s) and the SUBSCRIBE command to follow changes at once",
                self.outage.where,
                self._channel,
                self._refused,
                self.options.resync_interval,
                self.options.channel,
            )
        await bounded(self._resync(client), self.options.timeout)
        ready.set()
        backoff.reset()
        await asyncio.sleep(self.options.resync_interval)

    async def _listen(self, client: Redis, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.options.timeout
        interval = self.options.resync_interval
        pinged_at = heard_at = loop.time()
        next_check = pinged_at + interval
        while True:
            wait = self._hints.wait(max(0.0, next_check - loop.time()))
            message = await bounded(pubsub.get_message(timeout=wait), wait + timeout)
            if message is not None:
                heard_at = loop.time()
                if await self._hinted(pubsub, message):
                    self._hints.hint()
            if self._hints.take():
                await bounded(self._resync(client), timeout)
            if loop.time() >= next_check:
                if heard_at < pinged_at:
                    raise SubscriptionSilentError("the subscription stopped answering pings")
                pinged_at = loop.time()
                next_check = pinged_at + interval
                await bounded(pubsub.ping(), timeout)
                await bounded(self._resync(client), timeout)

    async def _hinted(self, pubsub: PubSub, first: dict[str, Any]) -> bool:
        """Whether ``first``, or any message already waiting after it, calls for a read."""
        hinted = self._is_hint(first)
        for _ in range(_DRAIN_LIMIT):
            message = await bounded(pubsub.get_message(timeout=0), self.options.timeout)
            if message is None:
                break
            hinted = self._is_hint(message) or hinted
        return hinted

    def _is_hint(self, message: dict[str, Any]) -> bool:
        kind = message["type"]
        if kind == "subscribe":  # redis-py resubscribed after a reconnection
            return True
        if kind != "message":  # a pong
            return False
        version = parse_hint(message["data"])
        if version is None:
            data = message["data"]
            self._dropped.warn(
                "dropped a message of %d bytes on channel %r: not a state announcement "
                '("<version> <state>"); the state is only ever read from the key',
                len(data) if isinstance(data, bytes | str) else 0,
                self._channel,
            )
            return False
        return version > self.cache.version  # not yet known: the key tells the rest

    async def _resync(self, client: Redis) -> None:
        self._hints.covered()
        mark = self.cache.mark()
        try:
            state, version = await read(client, self.options.key)
        except InvalidStateError as exc:
            self.outage.failed(exc, self.cache.serving_on(), self.cache.known)
            return
        self.cache.offer_read(state, version, mark)
        self.outage.recovered(self.cache.serving_on())

    @property
    def _channel(self) -> str:
        return self.options.channel


def _about_channels(exc: NoPermissionError) -> bool:
    """Whether Redis refused the channel or the SUBSCRIBE command (not, say, the database)."""
    text = str(exc).lower()
    return "channel" in text or "subscribe" in text


def _aclose(pubsub: PubSub) -> Awaitable[None]:
    """``pubsub.aclose()``, typed the same whether redis-py's own annotations type it or not."""
    return cast(Callable[[], Awaitable[None]], pubsub.aclose)()
