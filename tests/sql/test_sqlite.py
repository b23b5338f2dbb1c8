"""SQLite: the driver's connections wait for a lock as long as a call may take, and a call
cut short (by ``timeout`` or by ``aclose()``) leaves no lock behind once it has returned."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url

from fastapi_maintenance import BackendUnavailableError
from fastapi_maintenance_sql import SqlBackend

from .._remote.waiting import patience, wait_until
from .conftest import Database, MakeBackend

pytestmark = pytest.mark.anyio

#: How long SQLite itself would wait for the lock in the tests of cut-short calls: far longer
#: than the driver's ``timeout``, so the driver's time limit is what cuts the call short.
LONG_BUSY_TIMEOUT = {"connect_args": {"timeout": 600}}


@pytest.fixture
def no_garbage_collection() -> Iterator[None]:
    """A lock must go when the driver closes its connection, not when the garbage collector
    happens to run."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@contextmanager
def held(db: Database, mode: str) -> Iterator[None]:
    """Another connection holds the database's lock (``BEGIN EXCLUSIVE`` keeps even readers
    out, ``IMMEDIATE`` only writers) until the block ends."""
    conn = sqlite3.connect(make_url(db.url).database or "", isolation_level=None)
    try:
        conn.execute(f"BEGIN {mode}")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def cut_short(backend: SqlBackend) -> Callable[[], bool]:
    """Whether one of ``backend``'s statements has been cancelled while it ran."""
    statements: list[str] = []

    def record(context: ExceptionContext) -> None:
        if isinstance(context.original_exception, asyncio.CancelledError):
            statements.append(context.statement or "")

    event.listen(backend._engine.sync_engine, "handle_error", record)

    def seen() -> bool:
        """a statement of the driver was cut short"""
        return bool(statements)

    return seen


def started(backend: SqlBackend) -> Callable[[], bool]:
    """Whether ``backend`` has sent a statement to the database."""
    statements: list[str] = []
    event.listen(
        backend._engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )

    def seen() -> bool:
        """the driver sent a statement"""
        return bool(statements)

    return seen


@pytest.mark.parametrize(
    ("options", "milliseconds"),
    [({"timeout": 7.5}, 7500), ({"timeout": 7.5, "connect_args": {"timeout": 30}}, 30000)],
    ids=["the driver's timeout", "connect_args wins"],
)
async def test_connections_wait_for_a_lock_as_long_as_a_call_may_take(
    sqlite: Database,
    make_backend: MakeBackend,
    options: dict[str, object],
    milliseconds: int,
) -> None:
    backend = make_backend(sqlite, **options)
    async with backend._engine.connect() as conn:
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == milliseconds


@pytest.mark.usefixtures("no_garbage_collection")
async def test_a_read_cut_short_by_the_timeout_leaves_no_lock(
    sqlite: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(sqlite, timeout=1, **LONG_BUSY_TIMEOUT)
    await backend.set_value(True)
    cancelled = cut_short(backend)
    with held(sqlite, "EXCLUSIVE"):
        reading = asyncio.ensure_future(backend.get_state())
        await wait_until(cancelled)
    # The read now goes on in aiosqlite's thread, and gets its row.
    with pytest.raises(BackendUnavailableError):
        await reading
    assert not sqlite.locked(), "the read cut short still holds its lock"


@pytest.mark.usefixtures("no_garbage_collection")
async def test_aclose_during_a_read_of_the_follower_leaves_no_lock(
    sqlite: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(sqlite, timeout=patience(10), **LONG_BUSY_TIMEOUT)
    await backend.set_value(True)
    cancelled = cut_short(backend)
    reading = started(backend)
    with held(sqlite, "EXCLUSIVE"):
        backend.cached_value()  # starts the follower, whose first read waits for the lock
        await wait_until(reading)
        closing = asyncio.ensure_future(backend.aclose())
        await wait_until(cancelled)
    await closing
    assert not sqlite.locked(), "aclose() left the follower's read holding its lock"
