"""``SqlBackend``: one maintenance switch in a table of the application's own database."""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from fastapi_maintenance import (
    BackendUnavailableError,
    BaseStateBackend,
    InvalidStateError,
    MaintenanceError,
    MaintenanceState,
)
from fastapi_maintenance.remote import Outage, StateCache, bounded, describe_error

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

_T = TypeVar("_T")
#: What a database call raises when the server is down, slow or refuses the statement.
_DB_FAILURES = (SQLAlchemyError, OSError, asyncio.TimeoutError)
#: Times a write is tried in all when it lost a race it may win on a second try.
_RETRIES = 5
#: Deadlock (MySQL/MariaDB; two first writes racing to insert the row take gap locks in
#: turn) and lock wait timeout; PostgreSQL's deadlock and serialization failure.
_RETRY_CODES = frozenset({1213, 1205})
_RETRY_STATES = frozenset({"40P01", "40001"})


class AsyncioRequiredError(MaintenanceError, RuntimeError):
    """The driver was started, or used, outside an asyncio event loop (under trio, say)."""


class SqlBackend(BaseStateBackend):
    """The state is a row of a table in PostgreSQL, MySQL, MariaDB or SQLite: the whole
    ``MaintenanceState`` (message, window, read-only, allow-lists), not just on or off.

    Requests never wait on the database: ``cached_state`` answers from memory, kept
    current by a background task holding one connection. On PostgreSQL it LISTENs, and each
    write NOTIFYs in its own transaction; elsewhere (and behind PgBouncer in transaction
    mode) it reads the row every ``poll_interval``. After a failure it reconnects with
    jittered backoff, serving the last known state meanwhile (``assume`` until the first
    read). ``get_state`` and ``set_state`` open a connection of their own.

    Pass the URL you give SQLAlchemy: one naming no DB driver or a sync one
    (``postgresql://``, ``mysql+pymysql://``) gets an installed async one; other keywords go
    to ``sqlalchemy.ext.asyncio.create_async_engine``.
    """

    supports_changes: ClassVar[bool] = True
    stores_details: ClassVar[bool] = True

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
        self._engine = self.options.new_engine()
        self._table = make_table(self.options.table)
        self._cache = StateCache(self.options.assume)
        self._follower = Follower(
            self.options, self._table, self._cache, Outage(self.describe(), logger)
        )
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self._warned_no_loop = False
        self._table_ready = False
        #: One connection at a time for reads and writes through the backend, per event loop.
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

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
        self._launch(self._running_loop())
        if not self._ready.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await bounded(self._ready.wait(), self.options.timeout)

    def _start_soon(self) -> None:
        """Start without waiting, for an application that sends no lifespan events."""
        if self._closed:
            return
        try:
            loop = self._running_loop()
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
        await self._follower.run(self._engine, ready)

    async def aclose(self) -> None:
        """Stop the background task and close its connection."""
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
        with contextlib.suppress(Exception):
            await self._engine.dispose()

    # reading and writing -------------------------------------------------------------

    async def get_state(self) -> MaintenanceState:
        """Read the row; ``InvalidStateError`` if it holds no state, ``BackendUnavailableError``
        if the database cannot be read in time.

        A read writes nothing: a missing table the driver may create reads as off, as a
        missing row does, and is left missing.
        """
        try:
            state = await self._call(self._read, creates=False)
        except InvalidStateError as exc:
            raise InvalidStateError(f"cannot read {self.describe()}: {exc}") from None
        except _DB_FAILURES as exc:
            raise BackendUnavailableError(
                f"cannot read the maintenance state from {self.describe()}: {describe_error(exc)}"
            ) from exc
        return state

    async def get_value(self) -> bool:
        """Whether the state in the row is active now; raises as ``get_state`` does."""
        return (await self.get_state()).is_active()

    async def set_value(self, value: bool) -> None:
        """Write a plain ``1`` or ``0``, as ``set_state`` does."""
        await self.set_state(MaintenanceState(on=bool(value)))

    async def set_state(self, state: MaintenanceState) -> None:
        """Write the row (and notify, on PostgreSQL) in one transaction, creating the table
        first unless ``create_table`` is off; ``BackendUnavailableError`` if that fails."""
        try:
            version = await self._call(lambda conn: self._write(conn, state), creates=True)
        except _DB_FAILURES as exc:
            raise BackendUnavailableError(
                f"cannot write the maintenance state to {self.describe()}: {describe_error(exc)}"
            ) from exc
        self._cache.offer(state, version)

    async def _read(self, conn: AsyncConnection) -> MaintenanceState:
        if self.options.create_table and not self._table_ready:
            if not await table_exists(conn, self._table):
                return MaintenanceState()
            self._table_ready = True
        state, _ = await read(conn, self._table, self.options.key)
        return state

    async def _write(self, conn: AsyncConnection, state: MaintenanceState) -> int:
        channel = self.options.channel if self.options.database == "postgresql" else None
        for attempt in range(_RETRIES):
            try:
                async with conn.begin():
                    return await write(conn, self._table, self.options.key, state, channel)
            except DBAPIError as exc:
                if attempt == _RETRIES - 1 or not _retryable(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def changes(self) -> AsyncIterator[bool]:
        """Each change of the state this process serves, until ``aclose``."""
        queue = self._cache.listen()
        try:
            await self.start()
            while (value := await queue.get()) is not None:
                yield value
        finally:
            self._cache.unlisten(queue)

    async def _call(
        self, action: Callable[[AsyncConnection], Awaitable[_T]], *, creates: bool
    ) -> _T:
        """Run ``action`` on a connection opened for it alone, within ``timeout``; one such
        connection at a time per process (per event loop). ``creates``: make sure the table
        is there first (a write), unless ``create_table`` is off."""
        loop = self._running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(1)

        async def run() -> _T:
            self.options.check_reachable()
            async with self._engine.connect() as conn:
                if creates and self.options.create_table and not self._table_ready:
                    await ensure_table(conn, self._table)
                    self._table_ready = True
                return await action(conn)

        async with gate:
            return await bounded(run(), self.options.timeout)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The running asyncio event loop; ``AsyncioRequiredError`` naming what runs instead."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            raise AsyncioRequiredError(
                f"the sql driver ({self.describe()}) needs an asyncio event loop, as "
                "SQLAlchemy's asyncio engine does: serve the application on asyncio (uvicorn, "
                "hypercorn --worker-class asyncio or uvloop, daphne, granian), or choose "
                "another maintenance backend"
            ) from None


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


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
