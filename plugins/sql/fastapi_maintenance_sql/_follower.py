"""The background task that keeps a process's ``StateCache`` in step with the database."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fastapi_maintenance.remote import Backoff, HintedReads, Outage, StateCache, bounded

from ._log import logger
from ._notify import Notifications, listen
from ._options import SqlOptions
from ._schema import ensure_table
from ._store import InvalidStateError, parse_hint, read


class Follower:
    """Holds one connection: on PostgreSQL it LISTENs on the table's channel, reads the row
    on every (re)connection, on every notification announcing a newer version and every
    ``resync_interval``; elsewhere, or where notifications do not come through (PgBouncer in
    transaction mode), it reads the row every ``poll_interval``. After any failure it starts
    over on a new connection, with jittered backoff.

    A notification is only a hint: the state and its version are always read from the row,
    so whoever may NOTIFY cannot switch maintenance, and notifications cause at most one read
    per ``HINT_INTERVAL``. Every call is bounded by ``timeout``; a
    listening connection gone silent fails the read of the next resync.
    """

    def __init__(
        self, options: SqlOptions, table: Table, cache: StateCache, outage: Outage
    ) -> None:
        self.options = options
        self.table = table
        self.cache = cache
        self.outage = outage
        #: Why changes are polled rather than pushed on PostgreSQL, once it was found out.
        self._polling_because: str | None = None
        self._hints = HintedReads()

    async def run(self, engine: AsyncEngine, ready: asyncio.Event) -> None:
        """Follow until cancelled; ``ready`` is set once the first attempt succeeded or failed."""
        loop = asyncio.get_running_loop()
        backoff = Backoff(self.options.resync_interval)
        while True:
            started = loop.time()
            try:
                await self._connected(engine, ready, backoff)
            except Exception as exc:
                self.outage.failed(exc, self.cache.serving_on(), self.cache.known)
            ready.set()
            # The delay counts from the start of the failed attempt: however long that
            # attempt took, the database back is followed within one delay.
            await asyncio.sleep(max(0.0, started + backoff.next_delay() - loop.time()))

    async def _connected(self, engine: AsyncEngine, ready: asyncio.Event, backoff: Backoff) -> None:
        timeout = self.options.timeout
        conn = await self._open(engine)
        try:
            await bounded(conn.execution_options(isolation_level="AUTOCOMMIT"), timeout)
            if self.options.create_table:
                await bounded(ensure_table(conn, self.table), timeout)
            notifications = await self._listen(conn) if self.options.pushes else None
            # Listening first, reading second: no change can fall in between.
            await bounded(self._resync(conn), timeout)
            ready.set()
            backoff.reset()
            if notifications is not None:
                await self._follow_notifications(conn, notifications)
            else:
                await self._poll(conn)
        finally:
            with contextlib.suppress(Exception):
                await bounded(conn.close(), timeout)

    async def _open(self, engine: AsyncEngine) -> AsyncConnection:
        """A new connection within ``timeout``. A connection attempt cut short (by the time
        limit, or by ``SqlBackend.aclose``) is let finish and closed, for some DB drivers
        (aiosqlite) connect in a thread that must not outlive the event loop."""
        self.options.check_reachable()
        conn = engine.connect()
        attempt = asyncio.ensure_future(conn.start())
        try:
            await bounded(asyncio.shield(attempt), self.options.timeout)
        except BaseException:
            await asyncio.wait({attempt}, timeout=self.options.timeout)
            if attempt.done() and not attempt.cancelled() and attempt.exception() is None:
                with contextlib.suppress(Exception):
                    await bounded(conn.close(), self.options.timeout)
            else:
                attempt.cancel()
            raise
        return conn

    async def _listen(self, conn: AsyncConnection) -> Notifications | None:
        """LISTEN, then (``listen=auto``) check that a notification of our own comes back."""
        timeout = self.options.timeout
        notifications = await bounded(listen(conn, self.options.channel), timeout)
        if self.options.listen == "on":
            return notifications
        probe = f"probe {uuid.uuid4().hex}"
        await bounded(conn.execute(select(func.pg_notify(self.options.channel, probe))), timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0:
            if probe in await bounded(notifications.wait(left), left + timeout):
                if self._polling_because is not None:
                    logger.warning(
                        "%s: notifications come through again; changes arrive at once",
                        self.outage.where,
                    )
                    self._polling_because = None
                return notifications
        await bounded(notifications.close(), timeout)
        if self._polling_because is None:
            self._polling_because = "no notification came back"
            logger.warning(
                "%s: LISTEN/NOTIFY does not work on this connection (a notification it sent "
                "did not come back within %g s; PgBouncer in transaction pooling mode does "
                "that); reading the row every %g s instead, so a change takes up to that long "
                "to arrive. Connect to PostgreSQL directly or in session pooling mode to have "
                "changes pushed, or set listen=off to poll without this check",
                self.outage.where,
                timeout,
                self.options.poll_interval,
            )
        return None

    async def _follow_notifications(
        self, conn: AsyncConnection, notifications: Notifications
    ) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.options.timeout
        next_check = loop.time() + self.options.resync_interval
        while True:
            wait = self._hints.wait(max(0.0, next_check - loop.time()))
            payloads = await bounded(notifications.wait(wait), wait + timeout)
            if any(self._is_hint(payload) for payload in payloads):
                self._hints.hint()
            if self._hints.take():
                await bounded(self._resync(conn), timeout)
            if loop.time() >= next_check:
                next_check = loop.time() + self.options.resync_interval
                await bounded(self._resync(conn), timeout)

    def _is_hint(self, payload: str) -> bool:
        version = parse_hint(payload, self.options.key)
        return version is not None and version > self.cache.version

    async def _poll(self, conn: AsyncConnection) -> None:
        while True:
            await asyncio.sleep(self.options.poll_interval)
            await bounded(self._resync(conn), self.options.timeout)

    async def _resync(self, conn: AsyncConnection) -> None:
        self._hints.covered()
        mark = self.cache.mark()
        try:
            state, version = await read(conn, self.table, self.options.key)
        except InvalidStateError as exc:
            self.outage.failed(exc, self.cache.serving_on(), self.cache.known)
            return
        self.cache.offer_read(state, version, mark)
        self.outage.recovered(self.cache.serving_on())
