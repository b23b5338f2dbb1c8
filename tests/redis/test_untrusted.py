"""What anyone who may publish on the channel, write a huge value or pose as Redis can do.

A message is only a hint that the key changed; the key is read whole only if it is short;
a server's error text never reaches a log line or an error message raw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio

from fastapi_maintenance import BackendUnavailableError, InvalidStateError, MaintenanceState
from fastapi_maintenance_redis import MAX_STATE_BYTES, RedisBackend, _follower

from .._remote.hints import (
    assert_a_change_amid_a_flood_is_served,
    assert_a_flood_costs_at_most_one_read_per_interval,
)
from .._remote.waiting import wait_until
from .conftest import MakeBackend, MakeUser
from .servers import RedisServer

pytestmark = [pytest.mark.anyio, pytest.mark.redis]

#: Long enough that only a message, never a periodic re-read, explains a quick change.
NO_RESYNC = {"resync_interval": 60}
#: Messages someone allowed to PUBLISH might send to switch maintenance off.
FORGED = ["0", "0 0", "1 0", "99999999999999999999 0", "off", f"{10**19} 0"]
#: Messages that once made every follower drop its subscription.
CRAFTED = ["\u00b2 1", f"{'9' * 5000} 1", "\x1b[2J 0", "", " ", "1 " + "0" * 10_000]


@pytest.fixture
def driver_logs(caplog: pytest.LogCaptureFixture) -> Callable[[int], list[str]]:
    """``driver_logs(level)``: the driver's messages logged at ``level`` or above."""
    caplog.set_level(logging.DEBUG, logger="fastapi_maintenance.redis")

    def at(level: int) -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "fastapi_maintenance.redis" and r.levelno >= level
        ]

    return at


@pytest.fixture
async def publisher(
    acl_user: MakeUser, make_backend: MakeBackend
) -> AsyncIterator[redis.asyncio.Redis]:
    """A client of a Redis user that may PUBLISH on the driver's channel and do nothing else."""
    channel = make_backend().channel
    url = acl_user("resetkeys", "resetchannels", f"&{channel}", "-@all", "+publish", select=False)
    client = redis.asyncio.Redis.from_url(url, socket_timeout=5)
    with pytest.raises(redis.exceptions.NoPermissionError):
        await client.get("anything")
    yield client
    await client.aclose()


async def subscription_id(raw: redis.asyncio.Redis, name: str) -> int:
    """The id of the one subscribed connection named ``name``."""
    [subscribed] = [
        c for c in await raw.client_list() if c.get("name") == name and c.get("sub") != "0"
    ]
    return int(subscribed["id"])


async def test_a_forged_message_never_changes_the_state_served(
    make_backend: MakeBackend, publisher: redis.asyncio.Redis
) -> None:
    follower, writer = make_backend(**NO_RESYNC), make_backend()
    await writer.set_value(True)
    await follower.start()
    for _ in range(5):
        for message in FORGED:
            await publisher.publish(follower.channel, message)
        await asyncio.sleep(0.05)
        assert follower.cached_value() is True


async def test_a_far_future_version_in_a_message_never_hides_the_next_real_change(
    make_backend: MakeBackend, publisher: redis.asyncio.Redis
) -> None:
    follower, writer = make_backend(**NO_RESYNC), make_backend()
    await follower.start()
    await publisher.publish(follower.channel, f"{10**19} 1")
    await asyncio.sleep(0.2)
    assert follower.cached_value() is False
    await writer.set_value(True)
    await wait_until(lambda: follower.cached_value() is True, timeout=2)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When the followers read the key, as ``loop.time()``; appended to as they do."""
    made: list[float] = []
    real = _follower.read

    async def counted(client: redis.asyncio.Redis, key: str) -> tuple[MaintenanceState, int]:
        made.append(asyncio.get_running_loop().time())
        return await real(client, key)

    monkeypatch.setattr(_follower, "read", counted)
    return made


async def flood(publisher: redis.asyncio.Redis, channel: str, seconds: float) -> int:
    """Publish forged announcements of a far-future version for ``seconds``; how many."""
    loop = asyncio.get_running_loop()
    deadline, sent = loop.time() + seconds, 0
    while loop.time() < deadline:
        await publisher.publish(channel, f"{10**19} 1")
        sent += 1
    return sent


async def test_a_flood_of_forged_messages_costs_at_most_one_read_per_hint_interval(
    make_backend: MakeBackend, publisher: redis.asyncio.Redis, reads: list[float]
) -> None:
    follower = make_backend(**NO_RESYNC)
    await assert_a_flood_costs_at_most_one_read_per_interval(
        follower, lambda seconds: flood(publisher, follower.channel, seconds), reads
    )


async def test_a_change_made_amid_a_flood_of_forged_messages_is_still_served(
    make_backend: MakeBackend, publisher: redis.asyncio.Redis
) -> None:
    follower, writer = make_backend(**NO_RESYNC), make_backend()
    await assert_a_change_amid_a_flood_is_served(
        follower, writer, lambda seconds: flood(publisher, follower.channel, seconds)
    )


async def test_each_announced_change_costs_each_follower_one_read(
    server: RedisServer, make_backend: MakeBackend
) -> None:
    """The read-back of the driver's own write is skipped: its version is already known."""
    await asyncio.to_thread(server.start)
    follower = make_backend(url=server.url, **NO_RESYNC)
    writer = make_backend(url=server.url, **NO_RESYNC)
    await follower.start()
    await writer.start()
    before = getrange_calls(server)
    await writer.set_value(True)
    await wait_until(lambda: follower.cached_value() is True, timeout=2)
    await asyncio.sleep(0.2)
    assert getrange_calls(server) - before == 1


def getrange_calls(server: RedisServer) -> int:
    """How many reads of the key the (private) server has served."""
    with server.client() as client:
        stats = client.info("commandstats")
    return int(stats.get("cmdstat_getrange", {}).get("calls", 0))


async def test_crafted_messages_are_dropped_without_renewing_the_subscription(
    make_backend: MakeBackend,
    publisher: redis.asyncio.Redis,
    raw: redis.asyncio.Redis,
    driver_logs: Callable[[int], list[str]],
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    follower, writer = make_backend(client_name=name, **NO_RESYNC), make_backend()
    await follower.start()
    subscribed = await subscription_id(raw, name)
    for _ in range(3):
        for message in CRAFTED:
            await publisher.publish(follower.channel, message)
    await writer.set_value(True)  # followed on the same subscription
    await wait_until(lambda: follower.cached_value() is True, timeout=2)
    assert await subscription_id(raw, name) == subscribed
    assert driver_logs(logging.ERROR) == []
    [warning] = driver_logs(logging.WARNING)
    assert "not a state announcement" in warning
    assert "\x1b" not in warning and "9999" not in warning


async def test_a_dropped_message_is_logged_at_most_once_per_resync_interval(
    make_backend: MakeBackend,
    publisher: redis.asyncio.Redis,
    driver_logs: Callable[[int], list[str]],
) -> None:
    follower = make_backend(resync_interval=0.5)
    await follower.start()
    await publisher.publish(follower.channel, "garbage")
    await wait_until(lambda: len(driver_logs(logging.WARNING)) == 1)
    for _ in range(20):
        await publisher.publish(follower.channel, "garbage")
    await asyncio.sleep(0.1)
    assert len(driver_logs(logging.WARNING)) == 1
    await asyncio.sleep(0.5)
    await publisher.publish(follower.channel, "garbage")
    await wait_until(lambda: len(driver_logs(logging.WARNING)) == 2)
    assert "(and 20 more since the last report)" in driver_logs(logging.WARNING)[1]


# a huge value under the key -----------------------------------------------------------


async def test_a_huge_value_is_refused_by_its_length_without_reading_it(
    server: RedisServer, make_backend: MakeBackend, redis_key: str
) -> None:
    await asyncio.to_thread(server.start)
    with server.client() as client:
        client.set(redis_key, b"1" + b" " * (32 * 2**20 - 1))
        before = client.info("stats")["total_net_output_bytes"]
        with pytest.raises(InvalidStateError) as caught:
            await make_backend(url=server.url).get_value()
        sent = client.info("stats")["total_net_output_bytes"] - before
    assert f"holds {32 * 2**20} bytes, more than the {MAX_STATE_BYTES}" in str(caught.value)
    assert "1   " not in str(caught.value)
    assert sent < 64 * 1024, f"Redis sent {sent} bytes for one read"


async def test_a_value_just_over_the_limit_is_garbage_not_cut_and_parsed(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.set(redis_key, "1" + " " * MAX_STATE_BYTES)
    with pytest.raises(InvalidStateError, match=f"holds {MAX_STATE_BYTES + 1} bytes"):
        await make_backend().get_value()


async def test_a_huge_value_keeps_the_last_state_and_is_logged_by_its_length(
    make_backend: MakeBackend,
    raw: redis.asyncio.Redis,
    redis_key: str,
    driver_logs: Callable[[int], list[str]],
) -> None:
    backend = make_backend(resync_interval=0.1)
    await backend.set_value(True)
    await backend.start()
    await raw.set(redis_key, b"x" * 2**20)
    await wait_until(lambda: len(driver_logs(logging.ERROR)) == 1)
    assert backend.cached_value() is True
    assert f"holds {2**20} bytes" in driver_logs(logging.ERROR)[0]
    assert "xxxx" not in driver_logs(logging.ERROR)[0]


#: A document whose end, in UTC, falls after the last datetime there is.
OUT_OF_RANGE = '{"fastapi_maintenance": 1, "on": false, "ends_at": "9999-12-31T23:59:59-00:01"}'


async def test_a_time_out_of_range_keeps_the_last_state_on_the_same_subscription(
    make_backend: MakeBackend,
    raw: redis.asyncio.Redis,
    redis_key: str,
    driver_logs: Callable[[int], list[str]],
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    backend = make_backend(client_name=name, resync_interval=0.1)
    await backend.set_value(True)
    await backend.start()
    subscribed = await subscription_id(raw, name)
    await raw.set(redis_key, OUT_OF_RANGE)
    await wait_until(lambda: len(driver_logs(logging.ERROR)) == 1)
    await asyncio.sleep(0.5)  # a few resyncs read the same document again
    assert backend.cached_value() is True
    assert await subscription_id(raw, name) == subscribed
    [logged] = driver_logs(logging.ERROR)
    assert "not a maintenance state (not a valid maintenance state document: ends_at" in logged
    with pytest.raises(InvalidStateError, match="ends_at is out of range"):
        await backend.get_value()


async def test_garbage_is_reported_by_its_length_never_its_content(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.set(redis_key, "s3cret\x1b[2J")
    with pytest.raises(InvalidStateError) as caught:
        await make_backend().get_value()
    assert "holds 10 bytes that are not a maintenance state" in str(caught.value)
    assert "s3cret" not in str(caught.value)


async def test_a_key_that_is_not_a_string_is_garbage(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.hset(redis_key, "state", "1")
    with pytest.raises(InvalidStateError, match="not a string"):
        await make_backend().get_value()


# a server posing as Redis ---------------------------------------------------------------

HOSTILE = "\x1b[2J\x1b[H\x1b[32mmaintenance is now OFF\x1b[0m\r\n\x07"


@contextlib.asynccontextmanager
async def fake_redis(reply: bytes) -> AsyncIterator[str]:
    """A TCP server answering every command with ``reply``; yields its URL."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                commands = data.count(b"\r\n*") + data.startswith(b"*")
                writer.write(reply * commands)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    finally:
        server.close()
        await server.wait_closed()


ERROR_REPLY = b"-ERR " + HOSTILE.replace("\r\n", " ").encode() + b"\r\n"


async def test_a_servers_error_text_never_reaches_an_error_message_raw(
    driver_logs: Callable[[int], list[str]],
) -> None:
    async with fake_redis(ERROR_REPLY) as url:
        backend = RedisBackend(url, key="k", timeout=1)
        try:
            for action in (backend.get_value(), backend.set_value(True)):
                with pytest.raises(BackendUnavailableError) as caught:
                    await action
                assert "\x1b" not in str(caught.value) and "\x07" not in str(caught.value)
                assert "\\x1b[2J" in str(caught.value)
        finally:
            await backend.aclose()


async def test_a_servers_error_text_never_reaches_the_log_raw(
    driver_logs: Callable[[int], list[str]],
) -> None:
    async with fake_redis(ERROR_REPLY) as url:
        backend = RedisBackend(url, key="k", timeout=1)
        try:
            await backend.start()
            await wait_until(lambda: len(driver_logs(logging.ERROR)) == 1)
        finally:
            await backend.aclose()
    [logged] = driver_logs(logging.ERROR)
    assert "\x1b" not in logged and "\x07" not in logged
    assert "\\x1b[2J" in logged
