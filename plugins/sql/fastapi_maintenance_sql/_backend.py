"""``SqlBackend``: one maintenance switch in a table of the application's own database."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractAsyncContextManager
from typing import Any, ClassVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from fastapi_maintenance import MaintenanceError, MaintenanceState
from fastapi_maintenance.remote import Outage, RemoteBackend

from ._follower import Follower
from ._log import logger
from ._options import (
    DEFAULT_APPLICATION_NAME,
    DEFAULT_KEY,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_RESYNC_INTERVAL,
    DEFAULT_TABLE,
    DEFAULT_TIMEOUT,
    build_options,
    split_url,
    unusable,
)
from ._schema import ensure_table, table_exists
from ._store import make_table, read, write

#: Times a write is tried in all when it lost a race it may win on a second try.
_RETRIES = 5
#: Deadlock (MySQL/MariaDB; two first writes racing to insert the row take gap locks in
#: turn) and lock wait timeout; PostgreSQL's deadlock and serialization failure.
_RETRY_CODES = frozenset({1213, 1205})
_RETRY_STATES = frozenset({"40P01", "40001"})


class AsyncioRequiredError(MaintenanceError, RuntimeError):
    """The driver was started, or used, outside an asyncio event loop (under trio, say)."""


class SqlBackend(RemoteBackend[AsyncConnection]):
    """The state is a row of a table in PostgreSQL, MySQL, MariaDB or SQLite: the whole
    ``MaintenanceState`` (message, window, read-only, allow-lists), not just on or off.

    Requests never wait on the database: ``cached_state`` answers from memory, kept
    current by a background task holding one connection. On PostgreSQL it LISTENs, and each
    write NOTIFYs in its own transaction; elsewhere (and behind PgBouncer in transaction
    mode) it reads the row every ``poll_interval``. After a failure it reconnects with
    jittered backoff, serving the last known state meanwhile (``assume`` until the first
    read). ``get_state`` and ``set_state`` open a connection of their own, one at a
    time per process; a write creates the table first unless ``create_table`` is off, a
    read writes nothing (a missing table reads as off, as a missing row does).

    Pass the URL you give SQLAlchemy: one naming no DB driver or a sync one
    (``postgresql://``, ``mysql+pymysql://``) gets an installed async one; other keywords go
    to ``sqlalchemy.ext.asyncio.create_async_engine``.
    """

    #: What a database call raises when the server is down, slow or refuses the statement.
    _failures: ClassVar[tuple[type[BaseException], ...]] = (
        SQLAlchemyError,
        OSError,
        asyncio.TimeoutError,
    )
    _calls_take_turns: ClassVar[bool] = True

    def __init__(
        self,
        url: str | None = None,
        *,
        table: str = DEFAULT_TABLE,
        key: str = DEFAULT_KEY,
        assume: bool | str = False,
        poll_interval: float | str = DEFAULT_POLL_INTERVAL,
        resync_interval: float | str = DEFAULT_RESYNC_INTERVAL,
        timeout: float | str = DEFAULT_TIMEOUT,
        create_table: bool | str = True,
        listen: bool | str = "auto",
        application_name: str = DEFAULT_APPLICATION_NAME,
        **engine_options: Any,
    ) -> None:
        self.options = build_options(
            url,
            table=table,
            key=key,
            assume=assume,
            poll_interval=poll_interval,
            resync_interval=resync_interval,
            timeout=timeout,
            create_table=create_table,
            listen=listen,
            application_name=application_name,
            engine_options=engine_options,
        )
        super().__init__(assume=self.options.assume, timeout=self.options.timeout, logger=logger)
        self._engine = self.options.new_engine()
        self._table = make_table(self.options.table)
        self._follower = Follower(
            self.options, self._table, self._cache, Outage(self.describe(), logger)
        )
        self._table_ready = False

    @classmethod
    def from_url(cls, url: str, **options: Any) -> SqlBackend:
        """Any URL SQLAlchemy takes with an async DB driver; the driver's own options may be
        query parameters, the rest go to the DB driver."""
        plain, ours = split_url(url)
        return cls(plain, **{**ours, **options})

    @classmethod
    def unusable(cls, name: str) -> str | None:
        """Why ``name`` (``sql``, a URL scheme) cannot work here: no DB driver it may use is
        installed; the message gives the ``pip install`` line bringing one."""
        return unusable(name)

    @property
    def key(self) -> str:
        return self.options.key

    @property
    def table(self) -> str:
        return self.options.table

    def describe(self) -> str:
        return f"sql: {self.options.where()} table={self.options.table} key={self.options.key}"

    # the store: reads, writes and the change feed ----------------------------------------

    def _connect(self) -> AbstractAsyncContextManager[AsyncConnection]:
        self.options.check_reachable()
        return self._engine.connect()

    async def _read(self, conn: AsyncConnection) -> MaintenanceState:
        """The row's state; a missing table the driver may create reads as off and is left
        missing."""
        if self.options.create_table and not self._table_ready:
            if not await table_exists(conn, self._table):
                return MaintenanceState()
            self._table_ready = True
        state, _ = await read(conn, self._table, self.options.key)
        return state

    async def _write(self, conn: AsyncConnection, state: MaintenanceState) -> int:
        """Write the row (and notify, on PostgreSQL) in one transaction, creating the table
        first unless ``create_table`` is off."""
        if self.options.create_table and not self._table_ready:
            await ensure_table(conn, self._table)
            self._table_ready = True
        channel = self.options.channel if self.options.database == "postgresql" else None
        for attempt in range(_RETRIES):
            try:
                async with conn.begin():
                    return await write(conn, self._table, self.options.key, state, channel)
            except DBAPIError as exc:
                if attempt == _RETRIES - 1 or not _retryable(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _follow(self, ready: asyncio.Event) -> None:
        await self._follower.run(self._engine, ready)

    async def _release(self) -> None:
        with contextlib.suppress(Exception):
            await self._engine.dispose()

    def _needs_asyncio(self) -> RuntimeError:
        return AsyncioRequiredError(
            f"the sql driver ({self.describe()}) needs an asyncio event loop, as "
            "SQLAlchemy's asyncio engine does: serve the application on asyncio (uvicorn, "
            "hypercorn --worker-class asyncio or uvloop, daphne, granian), or choose "
            "another maintenance backend"
        )


def _retryable(exc: DBAPIError) -> bool:
    """Whether a write failed only because a concurrent writer got in its way: another one
    inserted the row first (the next try updates it), or the database chose it as a
    deadlock victim."""
    if isinstance(exc, IntegrityError):
        return True
    original = exc.orig
    code = original.args[0] if original is not None and original.args else None
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return code in _RETRY_CODES or state in _RETRY_STATES
