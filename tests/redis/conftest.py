"""A real Redis for every test here: ``REDIS_URL``, else database 9 of 127.0.0.1:6379, else
a private server.

Each test gets its own key (a fresh uuid prefix; every key under it is deleted afterwards,
and the session fails if any is left), backends that are closed afterwards, and fails on an
unclosed connection or a task left pending. ACL users a test creates are deleted after it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import redis.asyncio

from fastapi_maintenance_redis import RedisBackend

from .._remote.checks import (
    close_all,
    missing,
    no_pending_tasks_or_unclosed_connections,  # noqa: F401 - an autouse fixture
    resource_warnings_are_errors,
)
from ..redis_settings import KEY_PREFIX
from ..redis_settings import redis_url as redis_url_setting
from .servers import RedisServer, answers

HERE = Path(__file__).parent

MakeBackend = Callable[..., RedisBackend]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """An unclosed connection or transport anywhere in these tests is an error."""
    resource_warnings_are_errors(items, HERE)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis the tests share; a private ``redis-server`` if none answers."""
    url = redis_url_setting()
    if answers(url):
        yield url
        left = _keys_left(url)
        assert not left, f"the Redis tests left keys behind in {url}: {left[:5]}"
        return
    if not RedisServer.available():
        missing(
            f"no Redis server answers at {url} (set REDIS_URL to use another) "
            "and redis-server is not on the PATH to start one"
        )
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server the test may kill and restart, not started yet; always
    stopped after the test."""
    if not RedisServer.available():
        missing("redis-server is not on the PATH, so this test cannot run its own")
    private = RedisServer(tmp_path / "redis")
    try:
        yield private
    finally:
        private.stop()


@pytest.fixture
def redis_key(redis_url: str) -> Iterator[str]:
    """A key no other test uses; everything under its prefix is deleted afterwards."""
    prefix = f"{KEY_PREFIX}{uuid.uuid4().hex}"
    yield f"{prefix}:state"
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


def _keys_left(url: str) -> list[bytes]:
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        return list(client.scan_iter(f"{KEY_PREFIX}*"))
    finally:
        client.close()


MakeUser = Callable[..., str]


@pytest.fixture
def acl_user(redis_url: str) -> Iterator[MakeUser]:
    """``acl_user(*rules, select=True)``: the URL of a new Redis user with ``ACL SETUSER``
    ``rules``, deleted after the test. Without ``select`` the URL names no database, so the
    user needs no right to SELECT one."""
    admin = redis.Redis.from_url(redis_url, socket_timeout=5)
    made: list[str] = []

    def make(*rules: str, select: bool = True) -> str:
        name, password = f"fm-test-{uuid.uuid4().hex}", uuid.uuid4().hex
        try:
            admin.acl_setuser(name, enabled=True, passwords=[f"+{password}"], reset=True)
        except redis.ResponseError as exc:
            missing(f"this Redis has no ACL users ({exc})")
        made.append(name)
        admin.execute_command("ACL", "SETUSER", name, *rules)
        parts = urlsplit(redis_url)
        path = parts.path if select else ""
        return f"redis://{name}:{password}@{parts.hostname}:{parts.port or 6379}{path}"

    yield make
    try:
        for name in made:
            admin.acl_deluser(name)
    finally:
        admin.close()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain client for the test's own reads and writes, behind the driver's back."""
    client = redis.asyncio.Redis.from_url(redis_url, socket_timeout=5)
    yield client
    await client.aclose()


@pytest.fixture
async def make_backend(redis_url: str, redis_key: str) -> AsyncIterator[MakeBackend]:
    """``make_backend(**options)``: a driver on the test's key, closed after the test."""
    made: list[RedisBackend] = []

    def make(**options: Any) -> RedisBackend:
        if "client" not in options:
            options.setdefault("url", redis_url)
        backend = RedisBackend(**{"key": redis_key, **options})
        made.append(backend)
        return backend

    yield make
    await close_all(made)
