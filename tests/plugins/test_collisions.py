"""Two sources offering one driver name: the documented one wins, and the log says so."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from fastapi_maintenance import BackendConfigError, BaseStateBackend, hookimpl
from fastapi_maintenance.backends import (
    BackendNameConflictWarning,
    LocalFileBackend,
    available_backends,
    get_backend_class,
    register_backend,
    register_plugin,
    unregister_backend,
)
from tests.plugins.distributions import IMPOSTER, IMPOSTER_NAMES

#: The module each first-party name must resolve to, whatever else is installed.
FIRST_PARTY_MODULES = {
    "env": "fastapi_maintenance.drivers.env",
    "file": "fastapi_maintenance.drivers.file",
    "redis": "fastapi_maintenance_redis",
    "rediss": "fastapi_maintenance_redis",
    "unix": "fastapi_maintenance_redis",
    **{
        name: "fastapi_maintenance_sql"
        for name in (
            "sql",
            "postgresql",
            "postgresql+asyncpg",
            "postgresql+psycopg",
            "mysql+aiomysql",
            "mysql+asyncmy",
            "mariadb+aiomysql",
            "mariadb+asyncmy",
            "sqlite+aiosqlite",
        )
    },
}


class OtherBackend(LocalFileBackend):
    """A local replacement for a driver."""


class HookBackend(LocalFileBackend):
    """A driver as a plugin's hook offers it."""


class MemoryPlugin:
    @hookimpl
    def register_backends(self, register: Callable[[str, type[BaseStateBackend]], None]) -> None:
        register("example-memory", HookBackend)


class FilePlugin:
    @hookimpl
    def register_backends(self, register: Callable[[str, type[BaseStateBackend]], None]) -> None:
        register("file", HookBackend)


@pytest.fixture
def example(use_sites: Callable[..., None], example_site: Path) -> None:
    """The example plugin, whose ``memory`` driver stands for any third-party entry point."""
    use_sites(example_site)


# third-party names -------------------------------------------------------------------


@pytest.mark.usefixtures("example")
def test_registering_over_an_entry_point_warns_and_wins() -> None:
    with pytest.warns(BackendNameConflictWarning, match="entry point fastapi_maintenance_example"):
        register_backend("example-memory", OtherBackend)
    assert get_backend_class("example-memory") is OtherBackend


@pytest.mark.usefixtures("example")
def test_registering_over_a_loaded_driver_warns() -> None:
    get_backend_class("example-memory")
    with pytest.warns(BackendNameConflictWarning, match="'example-memory'"):
        register_backend("example-memory", OtherBackend)


def test_registering_the_same_class_again_is_silent() -> None:
    register_backend("mine", OtherBackend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_backend("mine", OtherBackend)


@pytest.mark.usefixtures("example")
@pytest.mark.parametrize("loaded", [True, False], ids=["loaded", "not-yet-loaded"])
def test_a_plugin_hook_replacing_an_entry_point_warns_and_wins(loaded: bool) -> None:
    if loaded:
        get_backend_class("example-memory")
    with pytest.warns(BackendNameConflictWarning, match="MemoryPlugin"):
        register_plugin(MemoryPlugin(), name="MemoryPlugin")
    assert get_backend_class("example-memory") is HookBackend


@pytest.mark.usefixtures("example")
def test_an_in_process_registration_wins_over_a_plugin_hook() -> None:
    register_backend("example-memory", OtherBackend, replace=True)
    with pytest.warns(BackendNameConflictWarning, match="MemoryPlugin"):
        register_plugin(MemoryPlugin(), name="MemoryPlugin")
    assert get_backend_class("example-memory") is OtherBackend


@pytest.mark.usefixtures("example")
def test_unregistering_restores_what_the_registration_replaced() -> None:
    with pytest.warns(BackendNameConflictWarning):
        register_plugin(MemoryPlugin(), name="MemoryPlugin")
    register_backend("example-memory", OtherBackend, replace=True)
    unregister_backend("example-memory")
    assert get_backend_class("example-memory") is HookBackend


@pytest.mark.usefixtures("example")
def test_a_hook_registering_its_own_entry_point_name_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_backend_class("example-mem")


@pytest.mark.usefixtures("example")
def test_unregistering_brings_back_a_name_registered_by_an_entry_point_hook() -> None:
    offered = get_backend_class("example-mem")
    register_backend("example-mem", OtherBackend, replace=True)
    unregister_backend("example-mem")
    assert get_backend_class("example-mem") is offered


def test_two_distributions_offering_one_name_warn(
    use_sites: Callable[..., None], twin_sites: dict[str, Path]
) -> None:
    use_sites(twin_sites["fm-twin-a"], twin_sites["fm-twin-b"])
    with pytest.warns(BackendNameConflictWarning, match="fm-twin-a .* fm-twin-b .* the first"):
        assert "twin" in available_backends()


@pytest.mark.parametrize("first", ["fm-twin-a", "fm-twin-b"])
@pytest.mark.filterwarnings("ignore::fastapi_maintenance.backends.BackendNameConflictWarning")
def test_the_distribution_first_on_sys_path_wins(
    use_sites: Callable[..., None], twin_sites: dict[str, Path], first: str
) -> None:
    second = next(name for name in twin_sites if name != first)
    use_sites(twin_sites[first], twin_sites[second])
    assert get_backend_class("twin").__module__ == first.replace("-", "_")


# first-party names -------------------------------------------------------------------


@pytest.fixture
def imposter(use_sites: Callable[..., None], imposter_site: Path) -> None:
    """A distribution declaring every first-party name, first on ``sys.path``."""
    use_sites(imposter_site)


@pytest.mark.usefixtures("imposter")
@pytest.mark.filterwarnings("ignore::fastapi_maintenance.backends.BackendNameConflictWarning")
@pytest.mark.parametrize("name", IMPOSTER_NAMES)
def test_another_distribution_cannot_take_over_a_first_party_name(name: str) -> None:
    assert get_backend_class(name).__module__.startswith(FIRST_PARTY_MODULES[name])


@pytest.mark.usefixtures("imposter")
@pytest.mark.filterwarnings("ignore::fastapi_maintenance.backends.BackendNameConflictWarning")
def test_a_first_party_name_offered_by_another_distribution_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="fastapi_maintenance")
    get_backend_class("file")
    [message] = [r.getMessage() for r in caplog.records if "'file'" in r.getMessage()]
    assert IMPOSTER in message and "using fastapi-maintenance's" in message


@pytest.mark.usefixtures("imposter")
@pytest.mark.filterwarnings("ignore::fastapi_maintenance.backends.BackendNameConflictWarning")
def test_a_first_party_name_offered_by_another_distribution_warns() -> None:
    with pytest.warns(BackendNameConflictWarning, match=f"'file' is offered by {IMPOSTER}"):
        get_backend_class("file")


def test_the_collision_reaches_the_log_when_warnings_are_ignored(
    imposter_site: Path, tmp_path: Path
) -> None:
    script = """
        from fastapi_maintenance.backends import create_backend
        print(type(create_backend("file", file_path="state")).__module__)
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAPI_MAINTENANCE_")}
    env.update(PYTHONPATH=str(imposter_site), PYTHONWARNINGS="ignore")
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.split() == ["fastapi_maintenance.drivers.file"]
    assert f"'file' is offered by {IMPOSTER}" in done.stderr


def test_registering_in_process_over_a_first_party_name_is_refused() -> None:
    with pytest.raises(BackendConfigError, match="replace=True"):
        register_backend("file", OtherBackend)
    assert get_backend_class("file") is LocalFileBackend


def test_registering_a_first_party_driver_under_its_own_name_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_backend("file", LocalFileBackend)
    assert get_backend_class("file") is LocalFileBackend


def test_replace_true_takes_over_a_first_party_name_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_backend("file", OtherBackend, replace=True)
    assert get_backend_class("file") is OtherBackend


def test_a_plugin_hook_cannot_take_over_a_first_party_name(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="fastapi_maintenance")
    with pytest.warns(BackendNameConflictWarning, match="FilePlugin is ignored"):
        register_plugin(FilePlugin(), name="FilePlugin")
    assert get_backend_class("file") is LocalFileBackend
    assert "registered by FilePlugin is ignored" in caplog.text
