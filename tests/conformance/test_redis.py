"""The Redis driver (the ``fastapi-maintenance-redis`` distribution) honours the contract."""

from __future__ import annotations

import pytest
from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.testing import BackendContract

from tests.redis.conftest import MakeBackend

pytestmark = pytest.mark.redis

#: Nothing listens on port 1: every write is refused at once.
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


class TestRedisBackend(BackendContract):
    @pytest.fixture
    def backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend()

    @pytest.fixture
    def second_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend()

    @pytest.fixture
    def backend_url(self, redis_url: str, redis_key: str) -> str:
        return f"{redis_url}{'&' if '?' in redis_url else '?'}key={redis_key}"

    @pytest.fixture
    def failing_backend(self, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(url=CLOSED_PORT_URL, timeout=0.5)
