"""Two sources offering one driver name: the documented one wins, and a warning says so."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from fastapi_maintenance import BaseStateBackend, hookimpl
from fastapi_maintenance.backends import (
    BackendNameConflictWarning,
    LocalFileBackend,
    available_backends,
    get_backend_class,
    register_backend,
    register_plugin,
    unregister_backend,
)


class OtherFileBackend(LocalFileBackend):
    """A local replacement for the ``file`` driver."""


class HookFileBackend(LocalFileBackend):
    """The ``file`` driver as a plugin's hook would offer it."""


class FilePlugin:
    @hookimpl
    def register_backends(self, register: Callable[[str, type[BaseStateBackend]], None]) -> None:
        register("file", HookFileBackend)


def test_registering_over_an_entry_point_warns_and_wins() -> None:
    with pytest.warns(BackendNameConflictWarning, match="entry point fastapi_maintenance"):
        register_backend("file", OtherFileBackend)
    assert get_backend_class("file") is OtherFileBackend


def test_registering_over_a_loaded_driver_warns() -> None:
    get_backend_class("file")
    with pytest.warns(BackendNameConflictWarning, match="'file'"):
        register_backend("file", OtherFileBackend)


def test_replace_true_registers_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_backend("file", OtherFileBackend, replace=True)
    assert get_backend_class("file") is OtherFileBackend


def test_registering_the_same_class_again_is_silent() -> None:
    register_backend("mine", OtherFileBackend)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_backend("mine", OtherFileBackend)


@pytest.mark.parametrize("loaded", [True, False], ids=["loaded", "not-yet-loaded"])
def test_a_plugin_hook_replacing_an_entry_point_warns_and_wins(loaded: bool) -> None:
    if loaded:
        get_backend_class("file")
    with pytest.warns(BackendNameConflictWarning, match="FilePlugin"):
        register_plugin(FilePlugin(), name="FilePlugin")
    assert get_backend_class("file") is HookFileBackend


def test_an_in_process_registration_wins_over_a_plugin_hook() -> None:
    register_backend("file", OtherFileBackend, replace=True)
    with pytest.warns(BackendNameConflictWarning, match="FilePlugin"):
        register_plugin(FilePlugin(), name="FilePlugin")
    assert get_backend_class("file") is OtherFileBackend


def test_unregistering_restores_what_the_registration_replaced() -> None:
    with pytest.warns(BackendNameConflictWarning):
        register_plugin(FilePlugin(), name="FilePlugin")
    register_backend("file", OtherFileBackend, replace=True)
    unregister_backend("file")
    assert get_backend_class("file") is HookFileBackend


def test_a_hook_registering_its_own_entry_point_name_is_silent(
    use_sites: Callable[..., None], example_site: Path
) -> None:
    use_sites(example_site)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_backend_class("mem")


def test_unregistering_brings_back_a_name_registered_by_an_entry_point_hook(
    use_sites: Callable[..., None], example_site: Path
) -> None:
    use_sites(example_site)
    offered = get_backend_class("mem")
    register_backend("mem", OtherFileBackend, replace=True)
    unregister_backend("mem")
    assert get_backend_class("mem") is offered


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
