"""The ``env`` driver honours the backend contract (as a read-only driver)."""

from __future__ import annotations

import pytest

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.backends import EnvVarBackend
from fastapi_maintenance.testing import BackendContract

VAR_NAME = "FASTAPI_MAINTENANCE_CONTRACT_TEST"


class TestEnvVarBackend(BackendContract):
    garbage_reads_off = True

    @pytest.fixture(autouse=True)
    def _unset(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv(VAR_NAME, raising=False)

    @pytest.fixture
    def backend(self) -> BaseStateBackend:
        return EnvVarBackend(VAR_NAME)

    @pytest.fixture
    def second_backend(self) -> BaseStateBackend:
        return EnvVarBackend(VAR_NAME)

    @pytest.fixture
    def backend_url(self) -> str:
        return f"env://{VAR_NAME}"

    @pytest.fixture
    def garbage_backend(self, monkeypatch: pytest.MonkeyPatch) -> BaseStateBackend:
        monkeypatch.setenv(VAR_NAME, "maybe")
        return EnvVarBackend(VAR_NAME)
