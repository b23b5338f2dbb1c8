"""PostgreSQL ``LISTEN`` on the follower's connection, over asyncpg or psycopg alike."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


class ConnectionLostError(ConnectionError):
    """The listening connection was closed by the server or the network."""


class Notifications(Protocol):
    """Payloads notified on the channel, as they arrive."""

    async def wait(self, seconds: float) -> list[str]:
        """The payloads received within ``seconds`` (as soon as one is), maybe none."""

    async def close(self) -> None:
        """Stop listening; the connection stays usable."""


async def listen(conn: AsyncConnection, channel: str) -> Notifications:
    """``LISTEN channel`` on ``conn``, which must be in autocommit mode."""
    raw = await conn.get_raw_connection()
    driver: Any = raw.dbapi_connection.driver_connection  # type: ignore[union-attr]
    if conn.dialect.driver == "asyncpg":
        return await _AsyncpgNotifications.start(driver, channel)
    await conn.execute(text(f'LISTEN "{channel}"'))
    return _PsycopgNotifications(conn, driver, channel)


class _AsyncpgNotifications:
    """asyncpg reads its socket all the time and calls back with each notification."""

    def __init__(self, driver: Any, channel: str) -> None:
        self._driver = driver
        self._channel = channel
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()

    @classmethod
    async def start(cls, driver: Any, channel: str) -> _AsyncpgNotifications:
        self = cls(driver, channel)
        driver.add_termination_listener(self._terminated)
        await driver.add_listener(channel, self._notified)
        return self

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._queue.put_nowait(payload)

    def _terminated(self, _conn: object) -> None:
        self._queue.put_nowait(None)

    async def wait(self, seconds: float) -> list[str]:
        try:
            first = await asyncio.wait_for(self._queue.get(), seconds)
        except asyncio.TimeoutError:
            return []
        received = [first]
        while not self._queue.empty():
            received.append(self._queue.get_nowait())
        if None in received:
            raise ConnectionLostError("the listening connection was closed")
        return [payload for payload in received if payload is not None]

    async def close(self) -> None:
        self._driver.remove_termination_listener(self._terminated)
        if not self._driver.is_closed():
            await self._driver.remove_listener(self._channel, self._notified)


class _PsycopgNotifications:
    """psycopg reads notifications while it waits for them, and keeps those that arrive
    during a query for the next wait."""

    def __init__(self, conn: AsyncConnection, driver: Any, channel: str) -> None:
        self._conn = conn
        self._driver = driver
        self._channel = channel

    async def wait(self, seconds: float) -> list[str]:
        received = []
        async for notification in self._driver.notifies(timeout=seconds, stop_after=1):
            received.append(notification.payload)
        return received

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._conn.execute(text(f'UNLISTEN "{self._channel}"'))
