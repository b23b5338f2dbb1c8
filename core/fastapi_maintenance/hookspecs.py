"""Hooks a plugin can implement; decorate implementations with :data:`hookimpl`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ._backend import BaseStateBackend

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "maintenance_mode_changed",
    "register_backends",
]

PROJECT_NAME = "fastapi_maintenance"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec(historic=True)
def register_backends(register: Callable[[str, type[BaseStateBackend]], None]) -> None:
    """Register state drivers by calling ``register(name, backend_class)``.

    Called once for each plugin, as soon as it is registered. A plugin module may
    register several names, for instance one per URL scheme it understands.
    """


@hookspec
def maintenance_mode_changed(value: bool, backend: BaseStateBackend) -> None:
    """Maintenance mode was switched to ``value`` on ``backend`` by this process.

    Fired after a successful :func:`~fastapi_maintenance.set_maintenance_mode` and when
    a :func:`~fastapi_maintenance.maintenance_mode_on` block starts or ends. Use it to
    log, notify or emit metrics; an exception raised here is logged, never propagated.
    """
