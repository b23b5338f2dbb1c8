"""State drivers: the base class, the registry that finds drivers by name or URL, and
the helpers drivers share (the textual on/off state, hiding credentials in specs).

``EnvVarBackend``, ``LocalFileBackend`` and ``MemoryBackend`` are resolved through the
registry (entry points ``env``, ``file`` and ``memory``), exactly like a third-party driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._model.backend import BaseStateBackend
from ._model.model import MAX_DETAILS_BYTES, MAX_TEXT_BYTES
from ._model.values import format_bool as format_state_text
from ._model.values import parse_bool as parse_state_text
from ._plugins.manager import PLUGIN_ENTRY_POINT_GROUP
from ._plugins.registry import ENTRY_POINT_GROUP, BackendInfo, BackendNameConflictWarning
from ._plugins.specs import build_backend
from ._state.state import state
from ._support.redact import redact as redact_spec

if TYPE_CHECKING:
    # For type checkers only: at run time both come from the registry, when first used.
    from .drivers.env import EnvVarBackend
    from .drivers.file import LocalFileBackend
    from .drivers.memory import MemoryBackend

#: The variable the ``env`` driver reads by default (the name fastapi-maintenance 0.0.5 gave it).
MAINTENANCE_MODE_ENV_VAR_NAME = "FASTAPI_MAINTENANCE_MODE"

__all__ = [
    "ENTRY_POINT_GROUP",
    "MAINTENANCE_MODE_ENV_VAR_NAME",
    "MAX_DETAILS_BYTES",
    "MAX_TEXT_BYTES",
    "PLUGIN_ENTRY_POINT_GROUP",
    "BackendInfo",
    "BackendNameConflictWarning",
    "BaseStateBackend",
    "EnvVarBackend",
    "LocalFileBackend",
    "MemoryBackend",
    "available_backends",
    "backend_info",
    "create_backend",
    "format_state_text",
    "get_backend_class",
    "parse_state_text",
    "redact_spec",
    "register_backend",
    "register_plugin",
    "unregister_backend",
]

_BUILTIN_NAMES = {"EnvVarBackend": "env", "LocalFileBackend": "file", "MemoryBackend": "memory"}


def available_backends() -> list[str]:
    """The names of every driver that can be used, sorted."""
    return state.registry.names()


def get_backend_class(name: str) -> type[BaseStateBackend]:
    """The driver class registered as ``name``; ``BackendNotFoundError`` lists the names."""
    return state.registry.get(name)


def create_backend(spec: str, **options: Any) -> BaseStateBackend:
    """A backend from a driver name plus options (``"file", file_path=...``) or a URL."""
    return build_backend(state.registry, spec, options)


def register_backend(name: str, cls: type[BaseStateBackend], *, replace: bool = False) -> None:
    """Make ``cls`` available as ``name`` in this process, without packaging a plugin.

    Taking a name another source offers warns unless ``replace=True``; a name shipped by
    fastapi-maintenance or its Redis distribution is refused unless ``replace=True``.
    """
    state.registry.register(name, cls, replace=replace)


def unregister_backend(name: str) -> None:
    """Undo ``register_backend``."""
    state.registry.unregister(name)


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a module or object implementing hooks from ``fastapi_maintenance.hookspecs``.

    ``name`` is what logs call the plugin; by default its module's or class's name.
    """
    state.plugins.add(plugin, name=name)


def backend_info() -> list[BackendInfo]:
    """Every driver with its distribution and version, and why it fails to load if it does."""
    return state.registry.info()


def __getattr__(name: str) -> Any:
    if name in _BUILTIN_NAMES:
        return state.registry.get(_BUILTIN_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
