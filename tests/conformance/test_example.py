"""The example plugin's ``memory`` driver, installed by pip, honours the backend contract."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fastapi_maintenance import BaseStateBackend, reset_state
from fastapi_maintenance.backends import get_backend_class
from fastapi_maintenance.testing import BackendContract


class TestMemoryBackend(BackendContract):
    @pytest.fixture(autouse=True)
    def _installed(self, example_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.syspath_prepend(str(example_site))
        reset_state()

    @pytest.fixture
    def store(self) -> str:
        """A store name no other test uses: the driver's stores live as long as the process."""
        return f"contract-{uuid.uuid4().hex}"

    @pytest.fixture
    def backend(self, store: str) -> BaseStateBackend:
        return get_backend_class("example-memory")(name=store)  # type: ignore[call-arg]

    @pytest.fixture
    def second_backend(self, store: str) -> BaseStateBackend:
        return get_backend_class("example-memory")(name=store)  # type: ignore[call-arg]

    @pytest.fixture
    def backend_url(self, store: str) -> str:
        return f"example-memory://{store}"
