"""Redis down at start-up, lost mid-run, restarted or slow: requests keep their answers.

Each test runs its own ``redis-server`` on a free loopback port so it can kill, restart
and slow it down; logs must show each outage once and each recovery once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import httpx
import pytest
import redis
import redis.asyncio
from fastapi import FastAPI

from fastapi_maintenance import BackendUnavailableError

from .._remote.apps import app_on, statuses
from .._remote.checks import logs_of
from .._remote.waiting import wait_until
from .conftest import MakeBackend
from .proxy import SilencingProxy
from .servers import RedisServer

pytestmark = [pytest.mark.anyio, pytest.mark.redis, pytest.mark.slow]

#: Short enough for quick recovery in tests, long enough for a loaded 2-core machine.
FAST = {"resync_interval": 0.2, "timeout": 0.5}


@pytest.fixture
async def server_client(server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(server.url, socket_timeout=5)
    yield client
    await client.aclose()


@pytest.fixture
def driver_logs(caplog: pytest.LogCaptureFixture) -> Callable[[int], list[str]]:
    """``driver_logs(level)``: the driver's messages logged at exactly ``level``."""
    return logs_of(caplog, "fastapi_maintenance.redis")


async def test_redis_down_at_start_up_serves_the_assumed_state_then_the_real_one(
    server: RedisServer,
    make_backend: MakeBackend,
    client_for: Callable[[FastAPI], httpx.AsyncClient],
    driver_logs: Callable[[int], list[str]],
) -> None:
    backend = make_backend(url=server.url, assume="on", **FAST)
    await asyncio.wait_for(backend.start(), 5)
    client = client_for(app_on(backend))
    assert await statuses(client, 5, pause=0.1) == {503}

    await asyncio.to_thread(server.start)
    await wait_until(lambda: backend.cached_value() is False)
    assert await statuses(client, 3) == {200}
    assert len(driver_logs(logging.ERROR)) == 1
    assert "serving the assumed state (on)" in driver_logs(logging.ERROR)[0]
    assert len(driver_logs(logging.WARNING)) == 1


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
async def test_redis_lost_mid_run_serves_the_last_state_and_resyncs_after_restart(
    stop: signal.Signals,
    server: RedisServer,
    make_backend: MakeBackend,
    client_for: Callable[[FastAPI], httpx.AsyncClient],
    driver_logs: Callable[[int], list[str]],
) -> None:
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url, assume="on", **FAST)
    await backend.set_value(False)
    await backend.start()
    client = client_for(app_on(backend))

    await asyncio.to_thread(server.kill, stop)
    # Several reconnection attempts fail meanwhile; the last known state is served.
    assert await statuses(client, 8, pause=0.1) == {200}

    await asyncio.to_thread(server.start)
    with server.client() as direct:  # written behind the driver's back: no publish
        direct.set(backend.key, "1")
    await wait_until(lambda: backend.cached_value() is True)
    assert await statuses(client, 3) == {503}

    [outage] = driver_logs(logging.ERROR)
    assert "serving the last known state (off)" in outage
    [recovery] = driver_logs(logging.WARNING)
    assert "again" in recovery


async def test_a_write_while_redis_is_down_raises_and_changes_nothing(
    server: RedisServer, make_backend: MakeBackend
) -> None:
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url, **FAST)
    await backend.start()
    await asyncio.to_thread(server.kill)
    with pytest.raises(BackendUnavailableError, match="cannot write") as caught:
        await backend.set_value(True)
    assert isinstance(caught.value.__cause__, redis.ConnectionError | TimeoutError)
    assert backend.cached_value() is False


async def test_a_read_while_redis_is_down_raises(
    server: RedisServer, make_backend: MakeBackend
) -> None:
    backend = make_backend(url=server.url, **FAST)
    with pytest.raises(BackendUnavailableError, match="cannot read"):
        await backend.get_value()


async def test_a_slow_redis_never_holds_up_a_request(
    server: RedisServer,
    server_client: redis.asyncio.Redis,
    make_backend: MakeBackend,
    client_for: Callable[[FastAPI], httpx.AsyncClient],
) -> None:
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url, **FAST)
    await backend.set_value(True)
    await backend.start()
    client = client_for(app_on(backend))

    asleep = asyncio.ensure_future(server_client.execute_command("DEBUG", "SLEEP", "2"))
    await asyncio.sleep(0.1)
    assert await statuses(client, 20) == {503}
    with pytest.raises(BackendUnavailableError, match="timed out"):
        await backend.set_value(False)
    assert not asleep.done(), "requests and the failed write should all be over before Redis wakes"
    await asleep
    await wait_until(lambda: backend.cached_value() is True)
    await backend.set_value(False)
    assert await statuses(client, 3) == {200}


async def test_a_dropped_subscription_is_renewed_and_the_key_read_again(
    server: RedisServer, server_client: redis.asyncio.Redis, make_backend: MakeBackend
) -> None:
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url)  # resync every 5 s: only a re-read explains a change
    await backend.start()
    await server_client.set(backend.key, "1")  # no publish
    await server_client.client_kill_filter(_type="pubsub")
    await wait_until(lambda: backend.cached_value() is True, timeout=3)


async def test_a_subscription_gone_silent_is_noticed_and_replaced(
    redis_url: str, make_backend: MakeBackend, driver_logs: Callable[[int], list[str]]
) -> None:
    parts = urlsplit(redis_url)
    if parts.scheme != "redis":
        pytest.skip(f"the proxy speaks plain TCP; REDIS_URL is {parts.scheme}://")
    proxy = SilencingProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.start()
    try:
        backend = make_backend(url=proxy.url, **FAST)
        await backend.start()
        proxy.silence_subscriptions()
        await wait_until(lambda: len(driver_logs(logging.ERROR)) == 1)
        assert "stopped answering pings" in driver_logs(logging.ERROR)[0]
        await wait_until(lambda: len(driver_logs(logging.WARNING)) == 1)
        await backend.aclose()
    finally:
        await proxy.aclose()


#: How late a follow may be beyond ``resync_interval``: the reconnection's own round trips,
#: on a loaded machine.
SLACK = 0.25


async def test_redis_back_after_a_restart_is_followed_within_resync_interval(
    server: RedisServer, make_backend: MakeBackend
) -> None:
    """The pooled connection that died with the old server costs no extra backoff period."""
    interval = 1.0
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url, resync_interval=interval, timeout=0.5)
    await backend.start()
    for state in (True, False, True):
        await asyncio.to_thread(server.kill)
        await asyncio.sleep(2 * interval)  # the reconnection delay has grown to its cap
        await asyncio.to_thread(server.start)
        back = loop.time()
        with server.client() as direct:  # no publish: only the reconnection's read tells
            direct.set(backend.key, "1" if state else "0")
        await wait_until(lambda: backend.cached_value() is state, timeout=3 * interval)  # noqa: B023
        took = loop.time() - back
        assert took <= interval + SLACK, f"followed {took:.2f} s after Redis was back"


async def test_a_pooled_connection_that_died_while_redis_was_away_is_retried_at_once(
    server: RedisServer, make_backend: MakeBackend
) -> None:
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url, **FAST)
    await backend.start()
    await asyncio.gather(*(backend.get_value() for _ in range(3)))  # several pooled connections
    await asyncio.to_thread(server.kill)
    await asyncio.to_thread(server.start)
    assert await asyncio.gather(*(backend.get_value() for _ in range(3))) == [False] * 3


async def test_the_reconnection_delay_starts_small_again_after_a_recovery(
    server: RedisServer, make_backend: MakeBackend
) -> None:
    """A second, short outage is followed in about the first delay, not the grown one."""
    interval = 2.0
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(server.start)
    backend = make_backend(url=server.url, resync_interval=interval, timeout=0.5)
    await backend.start()
    await asyncio.to_thread(server.kill)
    await asyncio.sleep(2 * interval)  # delays grow to [interval / 2, interval]
    await asyncio.to_thread(server.start)
    with server.client() as direct:
        direct.set(backend.key, "1")
    await wait_until(lambda: backend.cached_value() is True, timeout=2 * interval)

    await asyncio.to_thread(server.kill)
    await asyncio.sleep(0.1)
    await asyncio.to_thread(server.start)
    back = loop.time()
    with server.client() as direct:
        direct.set(backend.key, "0")
    await wait_until(lambda: backend.cached_value() is False, timeout=2 * interval)
    took = loop.time() - back
    assert took < interval / 4, f"followed {took:.2f} s after Redis was back"
