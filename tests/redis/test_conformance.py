"""The Redis driver honours the backend contract every driver promises."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import redis.asyncio

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.testing import BackendContract

from .._remote.checks import with_query
from .._remote.servers import free_port
from .conftest import MakeBackend


@pytest.mark.redis
class TestRedisBackend(BackendContract):
    @pytest.fixture
    def backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend()

    @pytest.fixture
    def second_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend()

    @pytest.fixture
    def backend_url(self, redis_url: str, redis_key: str) -> str:
        return with_query(redis_url, key=redis_key)

    @pytest.fixture
    def stored_text(
        self, raw: redis.asyncio.Redis, redis_key: str
    ) -> Callable[[], Awaitable[str | None]]:
        """``GET`` of the driver's key, as a shell check or a process on 0.0.5 reads it."""

        async def read() -> str | None:
            value = await raw.get(redis_key)
            return None if value is None else bytes(value).decode()

        return read

    @pytest.fixture
    def failing_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        """Nothing listens on the port, so every write fails."""
        return make_backend(url=f"redis://127.0.0.1:{free_port()}/0", timeout=0.3)
