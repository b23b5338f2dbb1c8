"""Under trio (hypercorn --worker-class trio) the driver cannot run: it says so, loudly.

redis-py's asyncio client needs an asyncio event loop. A driver that only logged the
failure would serve the assumed state for ever; instead ``start()`` raises (so the
application's startup fails) and a request path without lifespan logs it once.
"""

from __future__ import annotations

import importlib.util
import logging

import pytest

from fastapi_maintenance import BackendUnavailableError
from fastapi_maintenance_redis import AsyncioRequiredError, RedisBackend

from .conftest import missing

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


@pytest.fixture
def anyio_backend() -> str:
    if importlib.util.find_spec("trio") is None:
        missing('trio is not installed (pip install -e "plugins/redis[test]")')
    return "trio"


@pytest.fixture
def backend(redis_url: str, redis_key: str) -> RedisBackend:
    return RedisBackend(redis_url, key=redis_key, assume="on")


async def test_start_under_trio_fails_saying_the_driver_needs_asyncio(
    backend: RedisBackend,
) -> None:
    with pytest.raises(AsyncioRequiredError, match="needs an asyncio event loop") as caught:
        await backend.start()
    assert "runs under trio" in str(caught.value)
    assert not isinstance(caught.value, BackendUnavailableError)


async def test_reads_and_writes_under_trio_fail_saying_the_driver_needs_asyncio(
    backend: RedisBackend,
) -> None:
    with pytest.raises(AsyncioRequiredError, match="runs under trio"):
        await backend.get_value()
    with pytest.raises(AsyncioRequiredError, match="runs under trio"):
        await backend.set_value(True)


async def test_cached_value_under_trio_logs_once_that_it_serves_a_guess(
    backend: RedisBackend, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_maintenance.redis"):
        assert backend.cached_value() is True
        assert backend.cached_value() is True
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "runs under trio" in record.getMessage()
    assert "serving the assumed state (on)" in record.getMessage()
    await backend.aclose()
