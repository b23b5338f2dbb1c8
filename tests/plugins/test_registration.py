"""Drivers registered from code: in-process with register_backend, or by a plugin's hook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fastapi_maintenance import (
    BackendConfigError,
    BackendNotFoundError,
    BaseStateBackend,
    hookimpl,
)
from fastapi_maintenance.backends import (
    LocalFileBackend,
    available_backends,
    backend_info,
    create_backend,
    get_backend_class,
    register_backend,
    register_plugin,
    unregister_backend,
)


class JournalBackend(LocalFileBackend):
    """A file driver under another name, standing for an application's own driver."""


class JournalPlugin:
    """A plugin object registering two names from its hook."""

    @hookimpl
    def register_backends(self, register: Callable[[str, type[BaseStateBackend]], None]) -> None:
        register("journal", JournalBackend)
        register("journal-copy", JournalBackend)


def test_register_backend_makes_a_name_usable(tmp_path: Path) -> None:
    register_backend("journal", JournalBackend)
    assert "journal" in available_backends()
    assert isinstance(create_backend("journal", file_path=tmp_path / "m"), JournalBackend)


def test_unregister_backend_forgets_the_name() -> None:
    register_backend("journal", JournalBackend)
    unregister_backend("journal")
    assert "journal" not in available_backends()
    with pytest.raises(BackendNotFoundError):
        get_backend_class("journal")


def test_unregister_backend_leaves_entry_points_alone() -> None:
    unregister_backend("file")
    assert get_backend_class("file") is LocalFileBackend


@pytest.mark.parametrize("cls", [object, LocalFileBackend(file_path="m"), "file", None])
def test_register_backend_refuses_what_is_not_a_backend_class(cls: object) -> None:
    with pytest.raises(BackendConfigError, match="must be a BaseStateBackend subclass"):
        register_backend("journal", cls)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", None, 3])
def test_register_backend_refuses_a_name_that_is_not_a_non_empty_string(name: object) -> None:
    with pytest.raises(BackendConfigError, match="non-empty string"):
        register_backend(name, JournalBackend)  # type: ignore[arg-type]


def test_a_plugin_hook_registers_every_name_it_offers() -> None:
    register_plugin(JournalPlugin(), name="journal-plugin")
    assert get_backend_class("journal") is get_backend_class("journal-copy") is JournalBackend


def test_backend_info_names_the_plugin_that_registered_a_driver() -> None:
    register_plugin(JournalPlugin(), name="journal-plugin")
    info = {entry.name: entry for entry in backend_info()}
    assert (info["journal"].source, info["journal"].distribution) == ("journal-plugin", None)


def test_registering_a_plugin_twice_registers_it_once() -> None:
    plugin = JournalPlugin()
    register_plugin(plugin, name="journal-plugin")
    register_plugin(plugin, name="journal-plugin")
    assert get_backend_class("journal") is JournalBackend


def test_an_unknown_name_is_a_value_error_listing_the_available_names() -> None:
    with pytest.raises(ValueError) as raised:
        create_backend("nope")
    assert (
        str(raised.value) == f"unknown backend 'nope'; available: {', '.join(available_backends())}"
    )
    assert {"env", "file"} <= set(available_backends())
