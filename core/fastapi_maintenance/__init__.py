"""Maintenance mode for FastAPI and ASGI apps, with state drivers found through plugins."""

from typing import TYPE_CHECKING, Any

from ._api import (
    configure_backend,
    get_maintenance_mode,
    get_maintenance_state,
    set_maintenance_mode,
    set_maintenance_state,
)
from ._backend import BaseStateBackend
from ._errors import (
    BackendConfigError,
    BackendLoadError,
    BackendNotFoundError,
    BackendOptionsError,
    BackendUnavailableError,
    InvalidStateError,
    MaintenanceError,
    UnsupportedStateError,
)
from ._model import MaintenanceState
from ._override import maintenance_mode_on, override_maintenance_mode
from ._state import reset_state
from .decorators import force_maintenance_mode_off, force_maintenance_mode_on
from .hookspecs import hookimpl
from .middleware import MaintenanceModeMiddleware
from .responses import maintenance_response

if TYPE_CHECKING:
    from .admin import admin_router

__version__ = "0.1.0"

__all__ = [
    "BackendConfigError",
    "BackendLoadError",
    "BackendNotFoundError",
    "BackendOptionsError",
    "BackendUnavailableError",
    "BaseStateBackend",
    "InvalidStateError",
    "MaintenanceError",
    "MaintenanceModeMiddleware",
    "MaintenanceState",
    "UnsupportedStateError",
    "admin_router",
    "configure_backend",
    "force_maintenance_mode_off",
    "force_maintenance_mode_on",
    "get_maintenance_mode",
    "get_maintenance_state",
    "hookimpl",
    "maintenance_mode_on",
    "maintenance_response",
    "override_maintenance_mode",
    "reset_state",
    "set_maintenance_mode",
    "set_maintenance_state",
]


def __getattr__(name: str) -> Any:
    # The admin router imports FastAPI's routing and pydantic: only for apps that use it.
    if name == "admin_router":
        from .admin import admin_router

        return admin_router
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
