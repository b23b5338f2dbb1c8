"""The pytest plugin: found through its entry point, free until used, and its switch."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from fastapi_maintenance import (
    BackendUnavailableError,
    BaseStateBackend,
    MaintenanceState,
    get_maintenance_mode,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import MemoryBackend, register_plugin
from fastapi_maintenance.hookspecs import hookimpl
from fastapi_maintenance.pytest_plugin import MaintenanceSwitch


def _modules_after(code: str) -> set[str]:
    """The top-level modules a new interpreter holds after running ``code``."""
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {name.split(".")[0] for name in done.stdout.split()}


def test_the_plugin_is_a_pytest11_entry_point_of_the_core_distribution() -> None:
    (found,) = [ep for ep in entry_points(group="pytest11") if ep.name == "fastapi_maintenance"]
    assert found.value == "fastapi_maintenance.pytest_plugin"
    assert found.dist is not None and found.dist.metadata["Name"] == "fastapi-maintenance"


def test_loading_the_plugin_imports_neither_fastapi_nor_starlette() -> None:
    loaded = _modules_after("import fastapi_maintenance.pytest_plugin")
    assert not loaded & {"fastapi", "starlette", "anyio", "httpx"}


def test_an_app_using_the_package_never_imports_pytest() -> None:
    loaded = _modules_after(
        "from fastapi import FastAPI\n"
        "import fastapi_maintenance\n"
        "from fastapi_maintenance import *\n"
        "from fastapi_maintenance.backends import create_backend\n"
        "app = FastAPI()\n"
        "app.add_middleware(MaintenanceModeMiddleware, backend=create_backend('memory'))\n"
    )
    assert "pytest" not in loaded


def test_the_state_is_off_and_the_default_backend_is_the_switch_backend(
    maintenance: MaintenanceSwitch,
) -> None:
    assert maintenance.is_on is False
    maintenance.on()
    assert maintenance.backend.cached_value() is True


@pytest.mark.anyio
async def test_the_sync_switch_is_seen_by_the_calls_without_a_backend(
    maintenance: MaintenanceSwitch,
) -> None:
    maintenance.on()
    assert await get_maintenance_mode() is True


@pytest.mark.anyio
async def test_the_async_switch_writes_the_default_backend(
    maintenance: MaintenanceSwitch,
) -> None:
    await maintenance.aon()
    assert await get_maintenance_mode() is True
    await maintenance.aoff()
    assert await get_maintenance_mode() is False


@pytest.mark.anyio
async def test_a_switch_made_by_the_app_is_seen_by_the_handle(
    maintenance: MaintenanceSwitch,
) -> None:
    await set_maintenance_mode(True)
    assert maintenance.is_on is True


def test_each_test_gets_a_store_of_its_own(maintenance: MaintenanceSwitch) -> None:
    assert maintenance.spec.startswith("memory://pytest-")
    assert MemoryBackend(maintenance.backend.name) is not maintenance.backend
    assert maintenance.spec != f"memory://{MemoryBackend().name}"


def test_the_repr_says_the_store_and_the_state(maintenance: MaintenanceSwitch) -> None:
    maintenance.on()
    assert repr(maintenance) == f"<MaintenanceSwitch {maintenance.spec} on>"


class Recorder:
    """A plugin noting each change it hears of."""

    def __init__(self) -> None:
        self.heard: list[tuple[bool, BaseStateBackend]] = []

    @hookimpl
    def maintenance_mode_changed(self, value: bool, backend: BaseStateBackend) -> None:
        self.heard.append((value, backend))


def test_the_switch_fires_maintenance_mode_changed(maintenance: MaintenanceSwitch) -> None:
    recorder = Recorder()
    register_plugin(recorder, name="recorder")
    maintenance.on()
    maintenance.off()
    assert recorder.heard == [(True, maintenance.backend), (False, maintenance.backend)]


def test_a_switch_that_cannot_write_raises_in_the_test(
    maintenance: MaintenanceSwitch, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(state: MaintenanceState) -> None:
        raise BackendUnavailableError("the store is down")

    monkeypatch.setattr(maintenance.backend, "set_state", refuse)
    with pytest.raises(BackendUnavailableError, match="the store is down"):
        maintenance.on()
    assert maintenance.is_on is False
