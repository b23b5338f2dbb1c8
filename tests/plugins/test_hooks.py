"""The ``maintenance_mode_changed`` hook: plugins hear of every switch this process makes."""

from __future__ import annotations

import logging
import types
from pathlib import Path

import pytest

from fastapi_maintenance import (
    BaseStateBackend,
    get_maintenance_mode,
    hookimpl,
    maintenance_mode_on,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import create_backend, register_plugin

pytestmark = pytest.mark.anyio


class Recorder:
    """A plugin remembering each change it is told about."""

    def __init__(self) -> None:
        self.changes: list[tuple[bool, BaseStateBackend]] = []

    @hookimpl
    def maintenance_mode_changed(self, value: bool, backend: BaseStateBackend) -> None:
        self.changes.append((value, backend))


class Failing:
    @hookimpl
    def maintenance_mode_changed(self, value: bool, backend: BaseStateBackend) -> None:
        raise RuntimeError("the chat server is down")


@pytest.fixture
def recorder() -> Recorder:
    plugin = Recorder()
    register_plugin(plugin, name="recorder")
    return plugin


@pytest.fixture
def backend(tmp_path: Path) -> BaseStateBackend:
    return create_backend("file", file_path=tmp_path / "maintenance")


async def test_set_maintenance_mode_fires_the_hook(
    recorder: Recorder, backend: BaseStateBackend
) -> None:
    await set_maintenance_mode(True, backend)
    await set_maintenance_mode(False, backend)
    assert recorder.changes == [(True, backend), (False, backend)]


async def test_maintenance_mode_on_fires_the_hook_on_enter_and_exit(
    recorder: Recorder, backend: BaseStateBackend
) -> None:
    async with maintenance_mode_on(backend):
        assert recorder.changes == [(True, backend)]
    assert recorder.changes == [(True, backend), (False, backend)]


async def test_a_raising_hook_is_logged_and_the_switch_still_happens(
    backend: BaseStateBackend, caplog: pytest.LogCaptureFixture
) -> None:
    register_plugin(Failing(), name="failing")
    await set_maintenance_mode(True, backend)
    assert await get_maintenance_mode(backend) is True
    [record] = [r for r in caplog.records if r.name == "fastapi_maintenance"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None and "chat server is down" in str(record.exc_info[1])


async def test_a_raising_hook_does_not_stop_a_maintenance_block(backend: BaseStateBackend) -> None:
    register_plugin(Failing(), name="failing")
    async with maintenance_mode_on(backend):
        assert await get_maintenance_mode(backend) is True
    assert await get_maintenance_mode(backend) is False


@pytest.mark.parametrize("failing_first", [True, False])
async def test_a_raising_hook_does_not_keep_other_plugins_from_hearing(
    backend: BaseStateBackend, failing_first: bool
) -> None:
    recorder = Recorder()
    plugins = [(Failing(), "failing"), (recorder, "recorder")]
    for plugin, name in plugins if failing_first else reversed(plugins):
        register_plugin(plugin, name=name)
    await set_maintenance_mode(True, backend)
    assert recorder.changes == [(True, backend)]


async def test_the_log_names_the_plugin_whose_hook_raised(
    backend: BaseStateBackend, caplog: pytest.LogCaptureFixture
) -> None:
    register_plugin(Failing(), name="chat-notifier")
    await set_maintenance_mode(True, backend)
    assert "chat-notifier" in caplog.text


async def test_a_plugin_registered_without_a_name_is_logged_under_its_class(
    backend: BaseStateBackend, caplog: pytest.LogCaptureFixture
) -> None:
    plugin = Failing()
    register_plugin(plugin)
    await set_maintenance_mode(True, backend)
    [record] = [r for r in caplog.records if "raised" in r.getMessage()]
    assert "tests.plugins.test_hooks.Failing" in record.getMessage()
    assert str(id(plugin)) not in record.getMessage()


async def test_a_module_registered_without_a_name_is_logged_under_its_module_name(
    backend: BaseStateBackend, caplog: pytest.LogCaptureFixture
) -> None:
    module = types.ModuleType("shop_chat_notifier")
    module.maintenance_mode_changed = Failing().maintenance_mode_changed  # type: ignore[attr-defined]
    register_plugin(module)
    await set_maintenance_mode(True, backend)
    [record] = [r for r in caplog.records if "raised" in r.getMessage()]
    assert "'shop_chat_notifier'" in record.getMessage()
