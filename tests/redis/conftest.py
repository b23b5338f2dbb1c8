"""A real Redis for every test here: ``REDIS_URL``, else 127.0.0.1:6379, else a private server.

Each test gets its own key (a fresh uuid prefix, deleted afterwards), backends that are
closed afterwards, and fails on an unclosed connection or a task left pending.
"""

from __future__ import annotations

import gc
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio

from fastapi_maintenance_redis import RedisBackend

from ._support import following_tasks
from .servers import RedisServer, answers

HERE = Path(__file__).parent
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379"

MakeBackend = Callable[..., RedisBackend]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """An unclosed connection or transport anywhere in these tests is an error."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"))


def missing(what: str) -> None:
    """Fail under CI, where Redis is part of the job; skip elsewhere, naming what is missing."""
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis the tests share; a private ``redis-server`` if none answers."""
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    if answers(url):
        yield url
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
def redis_key(redis_url: str) -> Iterator[str]:
    """A key no other test uses; everything under its prefix is deleted afterwards."""
    prefix = f"fastapi_maintenance_test:{uuid.uuid4().hex}"
    yield f"{prefix}:state"
    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    try:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


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
    for backend in made:
        await backend.aclose()
    assert not following_tasks(), "aclose() left a background task running"


@pytest.fixture(autouse=True)
def no_pending_tasks_or_unclosed_connections(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test after which asyncio reports a destroyed task or an unclosed resource."""
    yield
    gc.collect()
    complaints = [
        r.getMessage()
        for r in caplog.get_records("call") + caplog.get_records("teardown")
        if r.name == "asyncio" and r.levelno >= logging.WARNING
    ]
    assert not complaints, f"asyncio complained: {complaints}"
