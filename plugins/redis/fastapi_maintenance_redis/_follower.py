"""The background task that keeps a process's :class:`StateCache` in step with Redis."""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from ._cache import StateCache
from ._options import RedisOptions
from ._resilience import Backoff, Outage, bounded
from ._store import InvalidStateError, parse_message, read


class SubscriptionSilentError(ConnectionError):
    """The pub/sub connection stopped answering pings, though it reported no error."""


class Follower:
    """Subscribes to the channel, re-reads the key on every (re)subscription and every
    ``resync_interval``, and after any failure starts over with jittered backoff.

    Every Redis call is bounded by ``timeout``; a silent subscription is noticed by the
    ping sent at each resync.
    """

    def __init__(self, options: RedisOptions, cache: StateCache, outage: Outage) -> None:
        self.options = options
        self.cache = cache
        self.outage = outage

    async def run(self, client: Redis, ready: asyncio.Event) -> None:
        """Follow until cancelled; ``ready`` is set once the first attempt succeeded or failed."""
        backoff = Backoff(self.options.resync_interval)
        while True:
            try:
                await self._follow(client, ready, backoff)
            except Exception as exc:
                self.outage.failed(exc, self.cache.serving(), self.cache.known)
            ready.set()
            await asyncio.sleep(backoff.next_delay())

    async def _follow(self, client: Redis, ready: asyncio.Event, backoff: Backoff) -> None:
        """Subscribe, read, then apply messages and resync until something fails."""
        pubsub = client.pubsub()
        try:

            async def subscribe() -> None:
                await pubsub.subscribe(self.options.channel)
                while (message := await pubsub.get_message(timeout=None)) is not None:
                    if message["type"] == "subscribe":
                        break
                # Subscribed first, read second: no change can fall in between.
                await self._resync(client)

            await bounded(subscribe(), self.options.timeout)
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
            message = await bounded(pubsub.get_message(timeout=wait), wait + timeout)
            if message is not None:
                heard_at = loop.time()
                await self._on_message(client, message)
            if loop.time() >= next_check:
                if heard_at < pinged_at:
                    raise SubscriptionSilentError("the subscription stopped answering pings")
                pinged_at = loop.time()
                next_check = pinged_at + interval
                await bounded(pubsub.ping(), timeout)
                await bounded(self._resync(client), timeout)

    async def _on_message(self, client: Redis, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            change = parse_message(message["data"])
            if change is not None:
                self.cache.offer(*change)
                return
            # Not written by this driver (a hand-made PUBLISH?): the key has the truth.
        elif kind != "subscribe":  # a pong
            return
        # A foreign message, or redis-py resubscribed after a reconnection: re-read.
        await bounded(self._resync(client), self.options.timeout)

    async def _resync(self, client: Redis) -> None:
        mark = self.cache.mark()
        try:
            value, version = await read(client, self.options.key)
        except InvalidStateError as exc:
            self.outage.failed(exc, self.cache.serving(), self.cache.known)
            return
        self.cache.offer_read(value, version, mark)
        self.outage.recovered(self.cache.serving())
