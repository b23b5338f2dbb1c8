"""The first-party ``memory`` driver honours the backend contract."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator

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
    def backend(self, store: str) -> Iterator[BaseStateBackend]:
        backend = MemoryBackend(store)
        yield backend
        backend.clear()

    @pytest.fixture
    def stored_text(self, store: str) -> Callable[[], Awaitable[str | None]]:
        """The stored state in the text form a store keeping text would hold."""

        async def read() -> str | None:
            state = MemoryBackend(store).cached_state()
            return state.to_text()

        return read

    @pytest.fixture
    def second_backend(self, store: str) -> BaseStateBackend:
        return MemoryBackend(store)

    @pytest.fixture
    def backend_url(self, store: str) -> str:
        return f"memory://{store}"
