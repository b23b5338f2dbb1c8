"""The SQL driver on real databases: the table, versioned writes, following changes."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from fastapi_maintenance import (
    BackendUnavailableError,
    InvalidStateError,
    MaintenanceState,
)
from fastapi_maintenance.cli import app as cli
from fastapi_maintenance_sql import ddl
from fastapi_maintenance_sql._store import make_table, write

from .._remote.apps import app_on, lifespan
from .._remote.waiting import wait_until
from .conftest import Database, MakeBackend

pytestmark = pytest.mark.anyio

#: No resync and no poll within a test: only a notification explains a change that arrives.
PUSH_ONLY = {"resync_interval": 600, "poll_interval": 600}


def row_of(db: Database, key: str = "default") -> tuple[str, int] | None:
    rows = db.execute(f"SELECT state, version FROM {db.table} WHERE {_key(db)} = :k", k=key)
    return (rows[0][0], rows[0][1]) if rows else None


def _key(db: Database) -> str:
    return "`key`" if db.name in ("mysql", "mariadb") else '"key"'


async def test_the_table_is_created_on_first_use_with_one_row_per_key(
    database: Database, make_backend: MakeBackend
) -> None:
    await make_backend(database).set_value(True)
    await make_backend(database, key="other").set_value(False)
    assert row_of(database) == ("1", 1)
    assert row_of(database, "other") == ("0", 1)


async def test_each_write_bumps_the_version_by_one(
    database: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(database)
    for value in (True, False, True, True):
        await backend.set_value(value)
    assert row_of(database) == ("1", 4)


async def test_concurrent_writers_in_several_backends_lose_no_update(
    database: Database, make_backend: MakeBackend
) -> None:
    """Every write is counted: the version ends at the number of writes."""
    writers = [make_backend(database) for _ in range(4)]
    await asyncio.gather(*(w.set_value(i % 2 == 0) for w in writers for i in range(5)))
    row = row_of(database)
    assert row is not None and row[1] == 20


async def test_a_read_of_a_missing_table_is_off_and_only_the_first_write_creates_it(
    database: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(database)
    assert await backend.get_state() == MaintenanceState()
    assert await backend.get_value() is False
    assert not database.has_table()
    await backend.set_value(True)
    assert row_of(database) == ("1", 1)


def test_status_leaves_no_table_behind(database: Database) -> None:
    url = make_url(database.url).update_query_dict({"table": database.table})
    result = CliRunner().invoke(
        cli, ["status", "--json", "--backend", url.render_as_string(hide_password=False)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["maintenance"] is False
    assert not database.has_table()


async def test_a_missing_table_is_not_created_when_told_not_to(
    database: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(database, create_table=False, timeout=2)
    with pytest.raises(BackendUnavailableError, match=database.table):
        await backend.get_value()
    with pytest.raises(BackendUnavailableError, match="cannot write"):
        await backend.set_value(True)
    assert not database.has_table()


async def test_the_documented_ddl_makes_a_table_the_driver_uses(
    database: Database, make_backend: MakeBackend
) -> None:
    dialect = "mysql" if database.name in ("mysql", "mariadb") else database.name
    database.execute(ddl(dialect, database.table))
    backend = make_backend(database, create_table=False)
    await backend.set_value(True)
    assert await backend.get_value() is True


async def test_another_process_write_reaches_a_follower(
    database: Database, make_backend: MakeBackend
) -> None:
    """PostgreSQL pushes it (no poll or resync would explain it in time); the others are
    polled every poll_interval."""
    options = PUSH_ONLY if database.name == "postgresql" else {"poll_interval": 0.1}
    follower = make_backend(database, **options)
    writer = make_backend(database)
    await follower.start()
    for value in (True, False, True):
        await writer.set_value(value)
        await wait_until(lambda: follower.cached_value() is value, timeout=3)  # noqa: B023


async def test_a_message_written_through_one_backend_reaches_another_as_fast_as_on_off(
    postgresql: Database, make_backend: MakeBackend
) -> None:
    """Pushed by the same notification: no poll or resync would explain it in time."""
    follower = make_backend(postgresql, **PUSH_ONLY)
    writer = make_backend(postgresql)
    await writer.set_value(True)
    await follower.start()
    for message in ("Back at noon", "Back at one"):
        await writer.set_state(MaintenanceState(on=True, message=message))
        await wait_until(
            lambda: follower.cached_state().message == message,  # noqa: B023
            timeout=3,
        )
    assert follower.cached_value() is True


async def test_a_change_made_behind_the_drivers_back_is_caught_by_the_resync(
    postgresql: Database, make_backend: MakeBackend
) -> None:
    follower = make_backend(postgresql, resync_interval=0.2)
    await follower.start()
    await make_backend(postgresql).set_value(False)
    postgresql.execute(f"UPDATE {postgresql.table} SET state = '1', version = version + 1")
    await wait_until(lambda: follower.cached_value() is True, timeout=3)


async def test_a_notification_only_hints_the_state_is_read_from_the_row(
    postgresql: Database, make_backend: MakeBackend
) -> None:
    """Whoever may NOTIFY on the channel cannot switch maintenance with it."""
    follower = make_backend(postgresql, **PUSH_ONLY)
    await follower.set_value(False)
    await follower.start()
    postgresql.execute(f"NOTIFY {postgresql.table}, '999 default'")
    postgresql.execute(f"NOTIFY {postgresql.table}, 'on'")
    await asyncio.sleep(0.3)
    assert follower.cached_value() is False
    # A hint that is right is followed by a read of the row, which tells the truth.
    postgresql.execute(f"UPDATE {postgresql.table} SET state = '1', version = 1000")
    postgresql.execute(f"NOTIFY {postgresql.table}, '1000 default'")
    await wait_until(lambda: follower.cached_value() is True, timeout=3)


async def test_a_notification_for_another_key_is_ignored(
    postgresql: Database, make_backend: MakeBackend
) -> None:
    follower = make_backend(postgresql, **PUSH_ONLY)
    await follower.start()
    await make_backend(postgresql, key="elsewhere").set_value(True)
    await asyncio.sleep(0.3)
    assert follower.cached_value() is False


@pytest.mark.parametrize("driver", ["asyncpg", "psycopg"])
async def test_both_postgresql_db_drivers_receive_notifications(
    driver: str, postgresql: Database, make_backend: MakeBackend
) -> None:
    url = postgresql.url.replace("+asyncpg", f"+{driver}")
    follower = make_backend(postgresql, url=url, **PUSH_ONLY)
    await follower.start()
    writer = make_backend(postgresql)
    for value in (True, False, True):
        await writer.set_value(value)
        await wait_until(lambda: follower.cached_value() is value, timeout=3)  # noqa: B023


async def test_a_deleted_row_is_followed_as_off(
    database: Database, make_backend: MakeBackend
) -> None:
    follower = make_backend(database, poll_interval=0.1, resync_interval=0.2)
    await follower.set_value(True)
    await follower.start()
    database.execute(f"DELETE FROM {database.table}")
    await wait_until(lambda: follower.cached_value() is False, timeout=3)


async def test_garbage_in_the_row_keeps_the_last_state_and_is_logged_once(
    database: Database, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fastapi_maintenance.sql")
    follower = make_backend(database, poll_interval=0.05, resync_interval=0.05)
    await follower.set_value(True)
    await follower.start()
    database.execute(f"UPDATE {database.table} SET state = 'maybe', version = version + 1")
    await asyncio.sleep(0.5)
    assert follower.cached_value() is True
    [outage] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "not a maintenance state" in outage and "maybe" not in outage
    await make_backend(database).set_value(False)
    await wait_until(lambda: follower.cached_value() is False, timeout=3)
    assert any("again" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


async def test_a_time_out_of_range_in_the_row_keeps_the_last_state_as_garbage_does(
    database: Database, make_backend: MakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="fastapi_maintenance.sql")
    follower = make_backend(database, poll_interval=0.05, resync_interval=0.05)
    await follower.set_value(True)
    await follower.start()
    document = '{"fastapi_maintenance": 1, "on": false, "ends_at": "9999-12-31T23:59:59-00:01"}'
    database.execute(f"UPDATE {database.table} SET state = :s, version = version + 1", s=document)
    await asyncio.sleep(0.5)
    assert follower.cached_value() is True
    [outage] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert "not a maintenance state (not a valid maintenance state document: ends_at" in outage
    with pytest.raises(InvalidStateError, match="ends_at is out of range"):
        await follower.get_value()


async def test_cached_value_answers_whether_the_window_is_active_now(
    database: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(database)
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    await backend.set_state(MaintenanceState(on=True, starts_at=later))
    assert backend.cached_state().on is True
    assert backend.cached_value() is False
    assert await backend.get_value() is False


async def test_a_window_ends_for_requests_without_a_write(
    database: Database, make_backend: MakeBackend
) -> None:
    backend = make_backend(database, **PUSH_ONLY)
    ends = datetime.now(timezone.utc) + timedelta(seconds=0.3)
    await backend.set_state(MaintenanceState(on=True, ends_at=ends))
    assert backend.cached_value() is True
    await asyncio.sleep(0.4)
    assert backend.cached_value() is False


async def test_requests_are_answered_without_a_single_query(
    database: Database,
    make_backend: MakeBackend,
    client_for: Callable[[FastAPI], httpx.AsyncClient],
) -> None:
    backend = make_backend(database, **PUSH_ONLY)
    await backend.set_value(True)
    app = app_on(backend)
    statements: list[str] = []
    event.listen(
        backend._engine.sync_engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    async with lifespan(app):
        client = client_for(app)
        await client.get("/")
        statements.clear()
        assert {(await client.get("/")).status_code for _ in range(200)} == {503}
        assert statements == []


async def test_changes_yields_each_change_another_backend_writes(
    database: Database, make_backend: MakeBackend
) -> None:
    follower = make_backend(database, poll_interval=0.05)
    writer = make_backend(database)
    changes = follower.changes()
    first = asyncio.ensure_future(anext(changes))  # listens, then starts the backend
    try:
        await follower.start()
        await asyncio.sleep(0.1)
        await writer.set_value(True)
        assert await asyncio.wait_for(first, 3) is True
        await writer.set_value(False)
        assert await asyncio.wait_for(anext(changes), 3) is False
    finally:
        first.cancel()
        await changes.aclose()


async def test_the_notification_is_part_of_the_writes_transaction(postgresql: Database) -> None:
    """Delivered when the write commits, with its version and key; never for a write that
    rolled back."""
    postgresql.execute(ddl("postgresql", postgresql.table))
    table = make_table(postgresql.table)
    received: asyncio.Queue[str] = asyncio.Queue()
    engine = create_async_engine(postgresql.url, poolclass=NullPool)
    try:
        async with engine.connect() as listening, engine.connect() as writing:
            raw = await listening.get_raw_connection()
            driver = raw.dbapi_connection.driver_connection  # type: ignore[union-attr]
            await driver.add_listener(postgresql.table, lambda *a: received.put_nowait(a[3]))

            transaction = await writing.begin()
            await write(writing, table, "default", MaintenanceState(on=True), postgresql.table)
            await asyncio.sleep(0.2)
            assert received.empty(), "notified before the write committed"
            await transaction.rollback()
            await asyncio.sleep(0.2)
            assert received.empty(), "notified for a write that rolled back"

            async with writing.begin():
                version = await write(
                    writing, table, "default", MaintenanceState(on=True), postgresql.table
                )
            assert await asyncio.wait_for(received.get(), 3) == f"{version} default"
    finally:
        await engine.dispose()
