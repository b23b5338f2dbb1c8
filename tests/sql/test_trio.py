"""Under trio (hypercorn --worker-class trio) the driver cannot run: it says so, loudly.

SQLAlchemy's asyncio engine needs an asyncio event loop. ``start()`` raises (so the
application's startup fails), and a request path without lifespan logs it once.
"""

from __future__ import annotations

import importlib.util
import logging

import pytest

from fastapi_maintenance import BackendUnavailableError
from fastapi_maintenance_sql import AsyncioRequiredError, SqlBackend

from .conftest import missing

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    if importlib.util.find_spec("trio") is None:
        missing('trio is not installed (pip install -e "plugins/redis[test]")')
    return "trio"


@pytest.fixture
def backend(tmp_path: object) -> SqlBackend:
    return SqlBackend(f"sqlite+aiosqlite:///{tmp_path}/state.db", assume="on")


async def test_start_under_trio_fails_saying_the_driver_needs_asyncio(
    backend: SqlBackend,
) -> None:
    with pytest.raises(AsyncioRequiredError, match="needs an asyncio event loop"):
        await backend.start()


async def test_reads_and_writes_under_trio_fail_without_claiming_the_database_is_down(
    backend: SqlBackend,
) -> None:
    for call in (backend.get_value(), backend.set_value(True)):
        with pytest.raises(AsyncioRequiredError) as caught:
            await call
        assert not isinstance(caught.value, BackendUnavailableError)


async def test_cached_value_under_trio_logs_once_that_it_serves_a_guess(
    backend: SqlBackend, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fastapi_maintenance.sql"):
        assert backend.cached_value() is True
        assert backend.cached_value() is True
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "serving the assumed state (on)" in record.getMessage()
    await backend.aclose()
