"""Redis users with only some rights (ACL): what the driver needs, and what it does without."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest
import redis.asyncio

from fastapi_maintenance import BackendUnavailableError, MaintenanceState

from .._remote.waiting import wait_until
from .conftest import MakeBackend, MakeUser

pytestmark = [pytest.mark.anyio, pytest.mark.redis]

#: The rights docs/redis.md lists for an application's user, and for one that also writes.
FOLLOW = ["+get", "+strlen", "+getrange", "+multi", "+exec", "+subscribe", "+ping", "+select"]
WRITE = [*FOLLOW, "+eval", "+time", "+set", "+publish", "+pexpireat"]


def in_an_hour() -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=1)


def on_the_key(key: str, channel: str | None, commands: list[str]) -> list[str]:
    """ACL SETUSER rules: the key and its version, the channel if given, and ``commands``."""
    channels = [f"&{channel}"] if channel else []
    return ["resetkeys", f"~{key}*", "resetchannels", *channels, "-@all", *commands]


async def test_the_documented_rights_are_enough_to_follow_and_to_write(
    make_backend: MakeBackend, acl_user: MakeUser, redis_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    channel = f"{redis_key}:changes"
    follower = make_backend(url=acl_user(*on_the_key(redis_key, channel, FOLLOW)))
    writer = make_backend(url=acl_user(*on_the_key(redis_key, channel, WRITE)))
    with caplog.at_level(logging.WARNING, logger="fastapi_maintenance.redis"):
        await follower.start()
        await writer.set_value(True)
        assert await writer.get_value() is True
        await wait_until(lambda: follower.cached_value() is True, timeout=2)
    assert caplog.records == []


async def test_the_documented_rights_let_a_window_expire_the_key(
    make_backend: MakeBackend, acl_user: MakeUser, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    writer = make_backend(url=acl_user(*on_the_key(redis_key, f"{redis_key}:changes", WRITE)))
    await writer.set_state(MaintenanceState(on=True, ends_at=in_an_hour()))
    assert await raw.pttl(redis_key) > 0


async def test_a_writer_without_pexpireat_still_writes_a_window_without_a_ttl(
    make_backend: MakeBackend, acl_user: MakeUser, raw: redis.asyncio.Redis, redis_key: str
) -> None:
    """The rights documented before windows existed keep working."""
    rights = [right for right in WRITE if right != "+pexpireat"]
    writer = make_backend(url=acl_user(*on_the_key(redis_key, f"{redis_key}:changes", rights)))
    state = MaintenanceState(on=True, message="Back soon", ends_at=in_an_hour())
    await writer.set_state(state)
    assert await writer.get_state() == state
    assert await raw.pttl(redis_key) == -1


async def test_a_user_that_may_not_write_gets_an_error_naming_the_refusal(
    make_backend: MakeBackend, acl_user: MakeUser, redis_key: str
) -> None:
    reader = make_backend(url=acl_user(*on_the_key(redis_key, None, FOLLOW)))
    with pytest.raises(BackendUnavailableError, match="NoPermissionError"):
        await reader.set_value(True)


async def test_without_the_right_to_subscribe_the_key_is_read_every_resync_interval(
    make_backend: MakeBackend,
    acl_user: MakeUser,
    raw: redis.asyncio.Redis,
    redis_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="fastapi_maintenance.redis")
    url = acl_user(*on_the_key(redis_key, None, FOLLOW))
    follower, writer = make_backend(url=url, resync_interval=0.3), make_backend()
    await writer.set_value(True)
    await follower.start()
    assert follower.cached_value() is True
    await writer.set_value(False)
    await wait_until(lambda: follower.cached_value() is False, timeout=2)
    await raw.set(redis_key, "1")
    await wait_until(lambda: follower.cached_value() is True, timeout=2)
    await asyncio.sleep(0.7)  # more polling rounds: still one line
    logged = [r for r in caplog.records if r.levelno >= logging.INFO]
    [warning] = logged
    assert warning.levelno == logging.WARNING
    message = warning.getMessage()
    assert "may not subscribe" in message and f"&{redis_key}:changes" in message
    assert "every 0.3 s" in message
