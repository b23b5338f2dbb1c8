"""The database down at start-up, lost mid-run, restarted, or its LISTEN connection gone
silent: requests keep their answers, the outage and the recovery are logged once each.

Each test that stops a database runs its own server on a free loopback port (see
``databases.py``); the shared servers are never stopped.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from fastapi_maintenance import BackendUnavailableError

from .._remote.apps import app_on, statuses
from .._remote.checks import logs_of
from .._remote.waiting import wait_until
from .conftest import Database, MakeBackend, unique_table
from .databases import PostgresServer, PrivateServer
from .proxy import PostgresProxy

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

#: Short enough for quick recovery in tests, long enough for a loaded 2-core machine.
FAST = {"resync_interval": 0.3, "poll_interval": 0.1, "timeout": 1.0}
#: No resync and no poll within a test: only a notification explains a change that arrives.
PUSH_ONLY = {"resync_interval": 600, "poll_interval": 600}
CLI = Path(sys.executable).with_name("fastapi-maintenance")

Logs = Callable[[int], list[str]]


@pytest.fixture
def driver_logs(caplog: pytest.LogCaptureFixture) -> Logs:
    """``driver_logs(level)``: the driver's messages logged at exactly ``level``."""
    return logs_of(caplog, "fastapi_maintenance.sql")


@pytest.fixture(params=["postgresql", "mariadb"])
def server(
    request: pytest.FixtureRequest,
) -> PrivateServer:
    """A private server of each kind, not started yet."""
    fixture = "postgres_server" if request.param == "postgresql" else "mariadb_server"
    return request.getfixturevalue(fixture)  # type: ignore[no-any-return]


@pytest.fixture
async def proxy(postgresql_url: str) -> AsyncIterator[PostgresProxy]:
    """A proxy in front of the shared PostgreSQL."""
    front = PostgresProxy("127.0.0.1", 5432)
    await front.start()
    yield front
    await front.aclose()


def on_server(server: PrivateServer) -> Database:
    return Database(server.url, unique_table())


async def test_the_database_down_at_start_up_serves_the_assumed_state_then_the_real_one(
    server: PrivateServer,
    make_backend: MakeBackend,
    client_for: Callable[[FastAPI], httpx.AsyncClient],
    driver_logs: Logs,
) -> None:
    backend = make_backend(on_server(server), assume="on", **FAST)
    await asyncio.wait_for(backend.start(), 5)
    client = client_for(app_on(backend))
    assert await statuses(client, 5, pause=0.1) == {503}

    await asyncio.to_thread(server.start)
    await wait_until(lambda: backend.cached_value() is False, timeout=10)
    assert await statuses(client, 3) == {200}
    [outage] = driver_logs(logging.ERROR)
    assert "serving the assumed state (on)" in outage
    [recovery] = driver_logs(logging.WARNING)
    assert "again; it is off" in recovery


async def test_the_database_lost_mid_run_serves_the_last_state_and_resyncs_after_restart(
    server: PrivateServer,
    make_backend: MakeBackend,
    client_for: Callable[[FastAPI], httpx.AsyncClient],
    driver_logs: Logs,
) -> None:
    await asyncio.to_thread(server.start)
    db = on_server(server)
    backend = make_backend(db, assume="on", **FAST)
    await backend.set_value(False)
    await backend.start()
    client = client_for(app_on(backend))

    await asyncio.to_thread(server.stop)
    # Several reconnection attempts fail meanwhile; the last known state is served.
    assert await statuses(client, 8, pause=0.1) == {200}

    await asyncio.to_thread(server.start)
    db.execute(f"UPDATE {db.table} SET state = '1', version = version + 1")  # no NOTIFY
    await wait_until(lambda: backend.cached_value() is True, timeout=10)
    assert await statuses(client, 3) == {503}

    [outage] = driver_logs(logging.ERROR)
    assert "serving the last known state (off)" in outage
    [recovery] = driver_logs(logging.WARNING)
    assert "again" in recovery


async def test_a_write_while_the_database_is_down_raises_and_changes_nothing(
    server: PrivateServer, make_backend: MakeBackend
) -> None:
    await asyncio.to_thread(server.start)
    backend = make_backend(on_server(server), **FAST)
    await backend.start()
    await asyncio.to_thread(server.stop)
    with pytest.raises(BackendUnavailableError, match="cannot write"):
        await backend.set_value(True)
    assert backend.cached_value() is False


async def test_the_cli_exits_1_with_the_cause_when_the_database_is_down(
    postgres_server: PostgresServer,
) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [str(CLI), "on", "--backend", f"{postgres_server.url}?timeout=1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    # The switch reads the stored scopes first, to keep them.
    assert "cannot read the maintenance state" in result.stderr + result.stdout
    assert "Connect call failed" in result.stderr + result.stdout


async def test_a_restarted_postgresql_is_followed_by_notification_again(
    postgres_server: PostgresServer, make_backend: MakeBackend
) -> None:
    """After the reconnection, changes are pushed again: no poll or resync could explain
    them arriving in time."""
    await asyncio.to_thread(postgres_server.start)
    db = on_server(postgres_server)
    follower = make_backend(db, resync_interval=600, poll_interval=600, timeout=1.0)
    writer = make_backend(db, timeout=1.0)
    await follower.start()
    await asyncio.to_thread(postgres_server.stop)
    await asyncio.sleep(0.5)
    await asyncio.to_thread(postgres_server.start)
    # The reconnection's own read comes first; then a write must arrive by notification.
    await writer.set_value(True)
    await wait_until(lambda: follower.cached_value() is True, timeout=10)
    await writer.set_value(False)
    await wait_until(lambda: follower.cached_value() is False, timeout=1)


async def test_a_listening_connection_gone_silent_is_noticed_and_replaced(
    proxy: PostgresProxy,
    postgresql: Database,
    make_backend: MakeBackend,
    driver_logs: Logs,
) -> None:
    """A connection that neither fails nor answers (a NAT dropped it): the next resync read
    times out, and a new connection follows the state again."""
    backend = make_backend(postgresql, url=proxy.url("test"), **FAST)
    await backend.start()
    proxy.silence()
    await make_backend(postgresql).set_value(True)  # its notification is lost in the silence
    await wait_until(lambda: len(driver_logs(logging.ERROR)) == 1, timeout=5)
    assert "timed out" in driver_logs(logging.ERROR)[0]
    await wait_until(lambda: backend.cached_value() is True, timeout=5)
    [recovery] = driver_logs(logging.WARNING)
    assert "again; it is on" in recovery


async def test_notifications_that_never_arrive_fall_back_to_polling_logged_once(
    proxy: PostgresProxy,
    postgresql: Database,
    make_backend: MakeBackend,
    driver_logs: Logs,
) -> None:
    """What PgBouncer in transaction pooling mode does to LISTEN: it succeeds, and nothing
    arrives. The driver notices at once, polls every poll_interval, and says so once."""
    proxy.drop_notifications = True
    follower = make_backend(postgresql, url=proxy.url("test"), poll_interval=0.2, timeout=0.5)
    writer = make_backend(postgresql)
    await follower.start()
    for value in (True, False):
        await writer.set_value(value)
        await wait_until(lambda: follower.cached_value() is value, timeout=2)  # noqa: B023
    [fallback] = driver_logs(logging.WARNING)
    assert "LISTEN/NOTIFY does not work" in fallback and "every 0.2 s" in fallback
    assert proxy.dropped >= 1


async def test_listen_off_polls_without_listening(
    postgresql: Database, make_backend: MakeBackend, driver_logs: Logs
) -> None:
    follower = make_backend(postgresql, listen="off", poll_interval=0.1)
    await follower.start()
    await make_backend(postgresql).set_value(True)
    await wait_until(lambda: follower.cached_value() is True, timeout=2)
    assert driver_logs(logging.WARNING) == []


async def test_a_reconnection_backs_off_with_jitter_up_to_the_resync_interval(
    postgres_server: PostgresServer, make_backend: MakeBackend, driver_logs: Logs
) -> None:
    """Attempts against a database that is down are spaced out: a few in two seconds, not
    hundreds; each is logged at debug level only, after the one error."""
    backend = make_backend(on_server(postgres_server), resync_interval=0.4, timeout=0.5)
    await backend.start()
    await asyncio.sleep(2)
    attempts = len(driver_logs(logging.DEBUG)) + len(driver_logs(logging.ERROR))
    assert 3 <= attempts <= 20, f"{attempts} connection attempts in 2 s"
    assert len(driver_logs(logging.ERROR)) == 1


async def test_a_listening_connection_closed_by_the_server_is_replaced_at_once(
    postgresql: Database, make_backend: MakeBackend, driver_logs: Logs
) -> None:
    """pg_terminate_backend, as an administrator or a failover would: the driver hears of it
    from its DB driver, reconnects and listens again; pushed changes arrive as before."""
    name = f"fm-test-{uuid.uuid4().hex[:12]}"
    follower = make_backend(postgresql, application_name=name, **PUSH_ONLY)
    await follower.start()
    [(ended,)] = postgresql.execute(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = :name",
        name=name,
    )
    assert ended == 1
    await wait_until(lambda: len(driver_logs(logging.WARNING)) == 1, timeout=5)
    await make_backend(postgresql).set_value(True)
    await wait_until(lambda: follower.cached_value() is True, timeout=1)
    assert len(driver_logs(logging.ERROR)) == 1
