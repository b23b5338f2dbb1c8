"""Maintenance mode for FastAPI and ASGI apps, with state drivers found through plugins.

The public names are imported when first used: importing the package alone (as pytest does
to load the package's pytest plugin) imports neither FastAPI nor Starlette, and an app that
never uses the admin router never imports FastAPI's routing through it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Each public name, and the module that defines it.
_EXPORTS = {
    "BackendConfigError": "._model.errors",
    "BackendLoadError": "._model.errors",
    "BackendNotFoundError": "._model.errors",
    "BackendOptionsError": "._model.errors",
    "BackendUnavailableError": "._model.errors",
    "BaseStateBackend": "._model.backend",
    "InvalidStateError": "._model.errors",
    "MaintenanceError": "._model.errors",
    "MaintenanceModeMiddleware": ".middleware",
    "MaintenancePage": "._request.page",
    "MaintenanceScope": "._model.model",
    "MaintenanceState": "._model.model",
    "UnsupportedStateError": "._model.errors",
    "admin_router": ".admin",
    "allow_in_read_only": ".decorators",
    "configure_backend": "._state.api",
    "end_maintenance_scope": "._state.api",
    "force_maintenance_mode_off": ".decorators",
    "force_maintenance_mode_on": ".decorators",
    "get_maintenance_mode": "._state.api",
    "get_maintenance_state": "._state.api",
    "hookimpl": ".hookspecs",
    "maintenance_mode_on": "._state.override",
    "maintenance_response": ".responses",
    "override_maintenance_mode": "._state.override",
    "reset_state": "._state.state",
    "set_maintenance_mode": "._state.api",
    "set_maintenance_scope": "._state.api",
    "set_maintenance_state": "._state.api",
}

#: Public modules that ``import fastapi_maintenance`` made attributes of the package.
_MODULES = frozenset({"decorators", "hookspecs", "middleware", "responses"})

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
    "MaintenancePage",
    "MaintenanceScope",
    "MaintenanceState",
    "UnsupportedStateError",
    "admin_router",
    "allow_in_read_only",
    "configure_backend",
    "end_maintenance_scope",
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
    "set_maintenance_scope",
    "set_maintenance_state",
]

if TYPE_CHECKING:
    from ._model.backend import BaseStateBackend
    from ._model.errors import (
        BackendConfigError,
        BackendLoadError,
        BackendNotFoundError,
        BackendOptionsError,
        BackendUnavailableError,
        InvalidStateError,
        MaintenanceError,
        UnsupportedStateError,
    )
    from ._model.model import MaintenanceScope, MaintenanceState
    from ._request.page import MaintenancePage
    from ._state.api import (
        configure_backend,
        end_maintenance_scope,
        get_maintenance_mode,
        get_maintenance_state,
        set_maintenance_mode,
        set_maintenance_scope,
        set_maintenance_state,
    )
    from ._state.override import maintenance_mode_on, override_maintenance_mode
    from ._state.state import reset_state
    from .admin import admin_router
    from .decorators import (
        allow_in_read_only,
        force_maintenance_mode_off,
        force_maintenance_mode_on,
    )
    from .hookspecs import hookimpl
    from .middleware import MaintenanceModeMiddleware
    from .responses import maintenance_response
else:

    def __getattr__(name: str) -> Any:
        """Import a public name, or public module, the first time it is asked for."""
        if name in _MODULES:
            return importlib.import_module(f".{name}", __name__)
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_EXPORTS, *_MODULES})
