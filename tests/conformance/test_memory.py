"""The first-party ``memory`` driver honours the backend contract."""

from __future__ import annotations

import uuid

import pytest

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.backends import MemoryBackend
from fastapi_maintenance.testing import BackendContract


class TestMemoryBackend(BackendContract):
    @pytest.fixture
    def store(self) -> str:
        """A store name no other test uses: stores live as long as the process."""
        return f"contract-{uuid.uuid4().hex}"

    @pytest.fixture
    def backend(self, store: str) -> BaseStateBackend:
        return MemoryBackend(store)

    @pytest.fixture
    def second_backend(self, store: str) -> BaseStateBackend:
        return MemoryBackend(store)

    @pytest.fixture
    def backend_url(self, store: str) -> str:
        return f"memory://{store}"
