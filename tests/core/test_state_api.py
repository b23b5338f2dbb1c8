"""Reading, writing and configuring the maintenance state from code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from fastapi_maintenance import (
    BackendNotFoundError,
    configure_backend,
    get_maintenance_mode,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import EnvVarBackend, LocalFileBackend

from .support import MemoryBackend, shop_app

pytestmark = pytest.mark.anyio


async def test_set_then_get_round_trips_through_a_file(file_backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, file_backend)
    assert await get_maintenance_mode(file_backend) is True
    await set_maintenance_mode(False, file_backend)
    assert await get_maintenance_mode(file_backend) is False


async def test_state_set_through_one_file_backend_is_seen_by_another(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await set_maintenance_mode(True, file_backend)
    assert await get_maintenance_mode(LocalFileBackend(state_file)) is True


async def test_default_backend_is_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await get_maintenance_mode() is False
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "on")
    assert await get_maintenance_mode() is True


async def test_configure_backend_by_name_with_options(state_file: Path) -> None:
    configure_backend("file", file_path=str(state_file))
    await set_maintenance_mode(True)
    assert await anyio.Path(state_file).read_text() == "1"


async def test_configure_backend_by_url(state_file: Path) -> None:
    configure_backend(f"file://{state_file}?check_interval=0")
    await set_maintenance_mode(True)
    assert await anyio.Path(state_file).read_text() == "1"


async def test_configure_backend_with_an_instance() -> None:
    backend = MemoryBackend(True)
    configure_backend(backend)
    assert await get_maintenance_mode() is True
    await set_maintenance_mode(False)
    assert backend.value is False


async def test_configure_backend_with_an_env_var_name(monkeypatch: pytest.MonkeyPatch) -> None:
    configure_backend("env", var_name="SHOP_MAINTENANCE")
    monkeypatch.setenv("SHOP_MAINTENANCE", "yes")
    assert await get_maintenance_mode() is True


def test_unknown_backend_name_raises_value_error_listing_the_names() -> None:
    with pytest.raises(ValueError, match="unknown backend 'bogus'") as raised:
        configure_backend("bogus")
    assert isinstance(raised.value, BackendNotFoundError)
    assert "env" in str(raised.value)
    assert "file" in str(raised.value)


def test_unknown_url_scheme_raises_value_error_listing_the_names() -> None:
    with pytest.raises(ValueError, match="bogus") as raised:
        configure_backend("bogus://somewhere")
    assert "file" in str(raised.value)


async def test_backend_env_var_may_name_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "env")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    assert await get_maintenance_mode() is True


async def test_backend_env_var_may_be_a_url(
    monkeypatch: pytest.MonkeyPatch, state_file: Path
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", f"file://{state_file}")
    await set_maintenance_mode(True)
    assert await anyio.Path(state_file).read_text() == "1"


async def test_backend_env_var_is_used_by_a_middleware_without_backend(
    monkeypatch: pytest.MonkeyPatch, state_file: Path, client_for: Any
) -> None:
    await anyio.Path(state_file).write_text("1")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", f"file://{state_file}")
    assert (await client_for(shop_app()).get("/items")).status_code == 503


async def test_configured_backend_beats_the_backend_env_var(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "env")
    configure_backend(MemoryBackend(True))
    assert await get_maintenance_mode() is True


async def test_set_on_the_env_backend_logs_a_warning_and_changes_nothing(
    logged: Any,
) -> None:
    await set_maintenance_mode(True, EnvVarBackend())
    assert await get_maintenance_mode(EnvVarBackend()) is False
    assert logged("read-only")
