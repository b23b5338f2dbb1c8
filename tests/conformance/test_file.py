"""The ``file`` driver honours the backend contract."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.backends import LocalFileBackend
from fastapi_maintenance.testing import BackendContract


class TestLocalFileBackend(BackendContract):
    @pytest.fixture
    def path(self, tmp_path: Path) -> Path:
        return tmp_path / "maintenance"

    @pytest.fixture
    def backend(self, path: Path) -> BaseStateBackend:
        return LocalFileBackend(path)

    @pytest.fixture
    def second_backend(self, path: Path) -> BaseStateBackend:
        return LocalFileBackend(path)

    @pytest.fixture
    def backend_url(self, path: Path) -> str:
        return f"file://{path}"

    @pytest.fixture
    def stored_text(self, path: Path) -> Callable[[], Awaitable[str | None]]:
        async def read() -> str | None:
            stored = anyio.Path(path)
            return await stored.read_text("utf-8") if await stored.exists() else None

        return read

    @pytest.fixture
    def failing_backend(self, tmp_path: Path) -> BaseStateBackend:
        return LocalFileBackend(tmp_path / "no-such-folder" / "maintenance")

    @pytest.fixture
    def garbage_backend(self, path: Path) -> BaseStateBackend:
        path.write_text("maybe")
        return LocalFileBackend(path)

    @pytest.fixture
    def unreadable_backend(self, path: Path) -> BaseStateBackend:
        path.mkdir()
        return LocalFileBackend(path)
