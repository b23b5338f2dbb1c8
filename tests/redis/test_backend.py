"""The Redis driver against a real server: reading, writing, following and closing."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import pytest
import redis.asyncio

from fastapi_maintenance import InvalidStateError
from fastapi_maintenance_redis import RedisBackend

from .._remote.checks import following_tasks
from .._remote.waiting import wait_until
from ._support import connections_named
from .conftest import MakeBackend

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


async def test_a_missing_key_reads_as_off(make_backend: MakeBackend) -> None:
    assert await make_backend().get_value() is False


async def test_a_written_state_reads_back(make_backend: MakeBackend) -> None:
    backend = make_backend()
    for value in (True, False, True):
        await backend.set_value(value)
        assert await backend.get_value() is value


async def test_the_key_holds_1_or_0_for_any_other_tool(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    backend = make_backend()
    await backend.set_value(True)
    assert await raw.get(redis_key) == b"1"
    await backend.set_value(False)
    assert await raw.get(redis_key) == b"0"


async def test_a_state_set_by_hand_is_read(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.set(redis_key, "on")
    assert await make_backend().get_value() is True


async def test_set_value_publishes_the_new_state(
    make_backend: MakeBackend, raw: redis.asyncio.Redis
) -> None:
    backend = make_backend()
    async with raw.pubsub() as pubsub:
        await pubsub.subscribe(backend.channel)
        await backend.set_value(True)
        messages = [await pubsub.get_message(timeout=2) for _ in range(2)]
    published = [m for m in messages if m and m["type"] == "message"]
    assert len(published) == 1
    assert published[0]["data"].endswith(b" 1")


async def test_set_value_updates_the_cached_state_at_once(make_backend: MakeBackend) -> None:
    backend = make_backend()
    await backend.set_value(True)
    assert backend.cached_value() is True
    await backend.set_value(False)
    assert backend.cached_value() is False


async def test_start_reads_the_state_before_returning(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.set(redis_key, "1")
    backend = make_backend()
    await backend.start()
    assert backend.cached_value() is True


async def test_a_change_published_by_another_process_is_followed(
    make_backend: MakeBackend,
) -> None:
    follower, writer = make_backend(), make_backend()
    await follower.start()
    await writer.set_value(True)
    await wait_until(lambda: follower.cached_value() is True)
    await writer.set_value(False)
    await wait_until(lambda: follower.cached_value() is False)


async def test_a_state_set_by_hand_without_publishing_is_picked_up_by_the_resync(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    backend = make_backend(resync_interval=0.2)
    await backend.start()
    await raw.set(redis_key, "1")
    await wait_until(lambda: backend.cached_value() is True)


async def test_a_message_that_is_not_an_announcement_is_never_taken_as_the_state(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    backend = make_backend(resync_interval=60)
    await backend.start()
    await raw.set(redis_key, "1")
    await raw.publish(backend.channel, "1")
    await asyncio.sleep(0.3)
    assert backend.cached_value() is False


async def test_the_assumed_state_is_served_until_anything_is_known(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend(assume="on")
    assert backend.cached_value() is True
    await backend.start()
    assert backend.cached_value() is False


async def test_cached_value_starts_following_when_the_app_sends_no_lifespan(
    make_backend: MakeBackend,
) -> None:
    follower, writer = make_backend(), make_backend()
    follower.cached_value()
    await writer.set_value(True)
    await wait_until(lambda: follower.cached_value() is True)


async def test_start_twice_opens_no_more_connections_than_once(
    make_backend: MakeBackend, raw: redis.asyncio.Redis
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    backend = make_backend(client_name=name)
    await backend.start()
    once = await connections_named(raw, name)
    await backend.start()
    backend.cached_value()
    assert once > 0
    assert await connections_named(raw, name) == once


async def test_aclose_closes_every_connection_the_driver_opened(
    make_backend: MakeBackend, raw: redis.asyncio.Redis
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    backend = make_backend(client_name=name)
    await backend.start()
    await backend.set_value(True)
    await backend.aclose()
    assert await connections_named(raw, name) == 0


async def test_a_closed_backend_does_not_restart_on_its_own(make_backend: MakeBackend) -> None:
    backend = make_backend()
    await backend.start()
    await backend.aclose()
    backend.cached_value()
    assert following_tasks(RedisBackend) == []


async def test_the_applications_client_is_used_and_never_closed(
    make_backend: MakeBackend, redis_url: str
) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        backend = make_backend(client=client)
        await backend.start()
        await backend.set_value(True)
        assert await backend.get_value() is True
        await backend.aclose()
        assert await client.ping() is True
    finally:
        await client.aclose()


async def test_a_client_that_decodes_responses_works_too(
    make_backend: MakeBackend, redis_url: str
) -> None:
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        follower, writer = make_backend(client=client), make_backend()
        await follower.start()
        await writer.set_value(True)
        await wait_until(lambda: follower.cached_value() is True)
        assert await follower.get_value() is True
    finally:
        await client.aclose()


async def test_apps_on_different_keys_do_not_see_each_other(
    make_backend: MakeBackend, redis_key: str
) -> None:
    mine, theirs = make_backend(), make_backend(key=f"{redis_key}:other")
    await mine.start()
    await theirs.set_value(True)
    await asyncio.sleep(0.2)
    assert mine.cached_value() is False
    assert await mine.get_value() is False


async def test_a_write_after_a_version_ahead_of_the_clock_still_moves_the_version_forward(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    """Versions never go backwards when the server clock does: the new switch is not stale."""
    ahead = (int(time.time()) + 3600) * 10**6  # as if the clock had been an hour ahead
    await raw.set(f"{redis_key}:version", ahead)
    follower, writer = make_backend(resync_interval=60), make_backend()
    await follower.start()
    await writer.set_value(True)
    assert int(await raw.get(f"{redis_key}:version")) == ahead + 1
    await wait_until(lambda: follower.cached_value() is True, timeout=2)


async def test_changes_yields_each_new_state(make_backend: MakeBackend) -> None:
    follower, writer = make_backend(), make_backend()
    changes = follower.changes()
    try:
        first = asyncio.ensure_future(anext(changes))
        await follower.start()
        await writer.set_value(True)
        assert await asyncio.wait_for(first, 5) is True
        await writer.set_value(False)
        assert await asyncio.wait_for(anext(changes), 5) is False
    finally:
        await changes.aclose()


async def test_changes_ends_when_the_backend_is_closed(make_backend: MakeBackend) -> None:
    backend = make_backend()
    changes = backend.changes()
    pending = asyncio.ensure_future(anext(changes))
    await backend.start()
    await backend.aclose()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 5)


async def test_garbage_in_the_key_is_an_error_naming_the_key_and_accepted_values(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.set(redis_key, "maybe")
    with pytest.raises(InvalidStateError, match=r"holds 5 bytes .*expected 1 or 0") as caught:
        await make_backend().get_value()
    assert redis_key in str(caught.value)


async def test_garbage_in_the_key_keeps_the_last_state_and_is_logged_once(
    make_backend: MakeBackend,
    raw: redis.asyncio.Redis,
    redis_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = make_backend(resync_interval=0.05)
    await backend.set_value(True)
    await backend.start()
    with caplog.at_level(logging.WARNING, logger="fastapi_maintenance.redis"):
        await raw.set(redis_key, "maybe")
        await asyncio.sleep(0.5)  # several resyncs
        assert backend.cached_value() is True
        await raw.set(redis_key, "0")
        await wait_until(lambda: backend.cached_value() is False)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "not a maintenance state" in errors[0].getMessage()
    recoveries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(recoveries) == 1
    assert "again; it is off" in recoveries[0].getMessage()


async def test_a_message_only_makes_the_driver_read_the_key(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    backend = make_backend(resync_interval=60)
    await backend.start()
    await backend.set_value(True)
    version = int(await raw.get(f"{redis_key}:version"))
    await raw.publish(backend.channel, f"{version + 1} 0")  # the key still says on
    await asyncio.sleep(0.2)
    assert backend.cached_value() is True
    await raw.set(redis_key, "0")  # by hand, without a new version
    await raw.publish(backend.channel, f"{version + 2} 1")
    await wait_until(lambda: backend.cached_value() is False, timeout=2)


async def test_writes_and_reads_need_no_start_and_leave_nothing_open(
    redis_url: str, redis_key: str, raw: redis.asyncio.Redis
) -> None:
    name = f"test-{uuid.uuid4().hex}"
    backend = RedisBackend(redis_url, key=redis_key, client_name=name)
    await backend.set_value(True)
    assert await backend.get_value() is True
    assert await connections_named(raw, name) == 0


async def test_describe_names_the_server_and_the_key(make_backend: MakeBackend) -> None:
    backend = make_backend()
    assert backend.describe().startswith("redis: redis://")
    assert backend.describe().endswith(f"key={backend.key}")
