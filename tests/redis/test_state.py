"""The Redis driver keeps the whole state: a message, a window, read-only, who and when."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import redis.asyncio

from fastapi_maintenance import InvalidStateError, MaintenanceState
from fastapi_maintenance_redis import EXPIRY_MARGIN, MAX_STATE_BYTES, RedisBackend, _store

from .._remote.waiting import wait_until
from .conftest import MakeBackend

pytestmark = [pytest.mark.anyio, pytest.mark.redis]

#: Long enough that only the pub/sub announcement can bring a change within a test.
NO_RESYNC = 60


def in_an_hour() -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=1)


def detailed(message: str = "Database upgrade, back at 03:00 UTC ✓") -> MaintenanceState:
    return MaintenanceState(
        on=True, read_only=True, message=message, ends_at=in_an_hour(), updated_by="ops@host"
    )


async def test_redis_stores_the_whole_state() -> None:
    assert RedisBackend.stores_details is True


async def test_a_state_with_details_round_trips(make_backend: MakeBackend) -> None:
    backend, state = make_backend(), detailed()
    await backend.set_state(state)
    assert await backend.get_state() == state
    assert backend.cached_state() == state


async def test_the_key_holds_the_json_document(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    state = detailed()
    await make_backend().set_state(state)
    document = json.loads(await raw.get(redis_key))
    assert document["fastapi_maintenance"] == 1
    assert MaintenanceState.from_dict(document) == state


async def test_set_value_after_a_document_writes_the_plain_word(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    backend = make_backend()
    await backend.set_state(detailed())
    await backend.set_value(False)
    assert await raw.get(redis_key) == b"0"
    assert await backend.get_state() == MaintenanceState()


async def test_the_announcement_stays_a_version_and_1_or_0(
    make_backend: MakeBackend, raw: redis.asyncio.Redis
) -> None:
    """Processes of an earlier version take it as a hint too, and read the key."""
    backend = make_backend()
    async with raw.pubsub() as pubsub:
        await pubsub.subscribe(backend.channel)
        await backend.set_state(detailed())
        messages = [await pubsub.get_message(timeout=2) for _ in range(2)]
    (published,) = [m["data"] for m in messages if m and m["type"] == "message"]
    version, word = published.split(b" ")
    assert (version.isdigit(), word) == (True, b"1")


async def test_a_fleet_sees_a_new_message_as_fast_as_a_switch(make_backend: MakeBackend) -> None:
    writer, follower = make_backend(), make_backend(resync_interval=NO_RESYNC)
    await follower.start()
    took = {}
    for change, state in [
        ("switch", MaintenanceState(on=True)),
        ("message", MaintenanceState(on=True, message="Back at 3")),
        ("window", MaintenanceState(on=True, message="Back at 3", ends_at=in_an_hour())),
        ("read-only", MaintenanceState(on=True, read_only=True)),
    ]:
        started = time.monotonic()
        await writer.set_state(state)
        await wait_until(lambda state=state: follower.cached_state() == state)
        took[change] = time.monotonic() - started
    assert max(took.values()) < 1.0, took


async def test_requests_get_the_same_state_object_until_it_changes(
    make_backend: MakeBackend,
) -> None:
    writer, follower = make_backend(), make_backend(resync_interval=0.1)
    await follower.start()
    await writer.set_state(detailed())
    await wait_until(lambda: follower.cached_state().message is not None)
    first = follower.cached_state()
    await asyncio.sleep(0.35)  # a few resyncs read the same document again
    assert follower.cached_state() is first


async def test_cached_value_answers_whether_the_window_is_active_now(
    make_backend: MakeBackend,
) -> None:
    backend = make_backend()
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    await backend.set_state(MaintenanceState(on=True, starts_at=later))
    assert backend.cached_state().on is True
    assert backend.cached_value() is False
    assert await backend.get_value() is False


async def test_a_window_ends_for_requests_without_a_write(make_backend: MakeBackend) -> None:
    backend = make_backend(resync_interval=NO_RESYNC)
    ends = datetime.now(timezone.utc) + timedelta(seconds=0.3)
    await backend.set_state(MaintenanceState(on=True, ends_at=ends))
    assert backend.cached_value() is True
    await asyncio.sleep(0.4)
    assert backend.cached_value() is False


# the key's TTL ------------------------------------------------------------------------


async def test_a_state_with_an_end_expires_the_key_after_the_end_and_a_margin(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    state = detailed()
    await make_backend().set_state(state)
    assert state.ends_at is not None
    expected = (state.ends_at.timestamp() + EXPIRY_MARGIN - time.time()) * 1000
    assert abs(await raw.pttl(redis_key) - expected) < 5_000


async def test_a_state_without_an_end_clears_the_ttl(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    backend = make_backend()
    await backend.set_state(detailed())
    await backend.set_state(MaintenanceState(on=True, message="Until further notice"))
    assert await raw.pttl(redis_key) == -1


async def test_an_expired_window_clears_the_key(
    make_backend: MakeBackend,
    raw: redis.asyncio.Redis,
    redis_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_store, "EXPIRY_MARGIN", 0)
    backend = make_backend()
    ends = datetime.now(timezone.utc) + timedelta(seconds=0.3)
    await backend.set_state(MaintenanceState(on=True, message="short", ends_at=ends))
    assert (await backend.get_state()).message == "short"
    await asyncio.sleep(0.5)
    assert await raw.exists(redis_key) == 0
    assert await backend.get_state() == MaintenanceState()


# what is no state ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        '{"fastapi_maintenance": 1, "on": "secret-value"}',
        '{"fastapi_maintenance": 1, "on": true, "ends_at": "secret-value"}',
        '{"fastapi_maintenance": 9, "on": true, "message": "secret-value"}',
        '{"fastapi_maintenance": 1, "on": true, "message": "secret-value"',
    ],
    ids=["bad type", "bad datetime", "unknown version", "cut short"],
)
async def test_a_document_that_is_no_state_is_refused_never_quoted(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str, document: str
) -> None:
    await raw.set(redis_key, document)
    with pytest.raises(InvalidStateError, match=f"holds {len(document)} bytes") as raised:
        await make_backend().get_state()
    assert "secret-value" not in str(raised.value)


async def test_a_document_that_is_no_state_keeps_the_last_known_state(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    writer, follower = make_backend(), make_backend(resync_interval=0.1)
    state = detailed()
    await writer.set_state(state)
    await follower.start()
    assert follower.cached_state() == state
    await raw.set(redis_key, '{"fastapi_maintenance": 1, "on": "yes"}')
    await asyncio.sleep(0.3)
    assert follower.cached_state() == state


async def test_the_longest_state_fits_the_key(
    make_backend: MakeBackend, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    await raw.set(redis_key, MaintenanceState(on=True, message="x" * 100).to_text())
    await raw.append(redis_key, " " * (MAX_STATE_BYTES - await raw.strlen(redis_key)))
    assert (await make_backend().get_state()).message == "x" * 100
