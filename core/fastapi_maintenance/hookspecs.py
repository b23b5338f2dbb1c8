"""Hooks a plugin can implement; decorate implementations with ``hookimpl``."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ._model.backend import BaseStateBackend
    from ._model.model import MaintenanceState

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "maintenance_mode_changed",
    "maintenance_request_blocked",
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
def maintenance_mode_changed(
    value: bool,
    backend: BaseStateBackend,
    state: MaintenanceState,
    previous: MaintenanceState | None,
) -> None:
    """The maintenance state of ``backend`` changed: ``value`` is its new ``on``, ``state`` the
    whole new state, ``previous`` the one before (``None`` where this process never saw it).

    Fired once per change in each process: after a successful
    ``set_maintenance_mode`` or ``set_maintenance_state``, when a
    ``maintenance_mode_on`` block starts or ends, and, for drivers
    that push changes (``supports_changes``), when another process changes the state while
    an application serves requests from this one. A window starting or ending by the clock
    is not a change: nothing was written. Implementations may name only the arguments they
    use (``value`` and ``backend``, as in 0.0.5). An exception raised here is logged, never
    propagated.
    """


@hookspec
def maintenance_request_blocked(scope: MutableMapping[str, Any], state: MaintenanceState) -> None:
    """The middleware answered a request (``scope``: its ASGI scope) with the maintenance
    response, or refused a WebSocket, under ``state``: for metrics.

    Called after the response was sent, on the request's own task, so keep it quick. When
    no plugin implements it, blocked requests pay nothing for it. An exception raised here
    is logged once per plugin and never reaches the client.
    """
