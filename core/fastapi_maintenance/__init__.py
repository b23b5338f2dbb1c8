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
    "BackendConfigError": "._errors",
    "BackendLoadError": "._errors",
    "BackendNotFoundError": "._errors",
    "BackendOptionsError": "._errors",
    "BackendUnavailableError": "._errors",
    "BaseStateBackend": "._backend",
    "InvalidStateError": "._errors",
    "MaintenanceError": "._errors",
    "MaintenanceModeMiddleware": ".middleware",
    "MaintenancePage": "._page",
    "MaintenanceState": "._model",
    "UnsupportedStateError": "._errors",
    "admin_router": ".admin",
    "configure_backend": "._api",
    "force_maintenance_mode_off": ".decorators",
    "force_maintenance_mode_on": ".decorators",
    "get_maintenance_mode": "._api",
    "get_maintenance_state": "._api",
    "hookimpl": ".hookspecs",
    "maintenance_mode_on": "._override",
    "maintenance_response": ".responses",
    "override_maintenance_mode": "._override",
    "reset_state": "._state",
    "set_maintenance_mode": "._api",
    "set_maintenance_state": "._api",
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

if TYPE_CHECKING:
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
    from ._page import MaintenancePage
    from ._state import reset_state
    from .admin import admin_router
    from .decorators import force_maintenance_mode_off, force_maintenance_mode_on
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
