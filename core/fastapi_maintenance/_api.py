"""Reading, writing and configuring the maintenance state from code."""

from __future__ import annotations

from typing import Any

from ._backend import BaseStateBackend
from ._errors import BackendConfigError
from ._specs import backend_from
from ._state import default_backend, state

BackendSpec = BaseStateBackend | str


def resolve_backend(
    backend: BackendSpec | None, options: dict[str, Any] | None = None
) -> BaseStateBackend | None:
    """Turn an instance, a driver name or a URL into a backend; ``None`` stays ``None``."""
    if backend is None:
        if options:
            raise BackendConfigError("backend options were given without a backend name or URL")
        return None
    return backend_from(state.registry, backend, options)


def configure_backend(backend_type: BackendSpec, **kwargs: Any) -> None:
    """Choose the backend used when none is passed explicitly.

    ``backend_type`` is a driver name (``"env"``, ``"file"`` or any installed plugin's),
    a URL such as ``"file:///var/run/maintenance"``, or a backend instance. Keyword
    arguments go to the driver, e.g. ``configure_backend("file", file_path="m.txt")``.
    """
    state.configured = resolve_backend(backend_type, kwargs)


async def get_maintenance_mode(backend: BaseStateBackend | None = None) -> bool:
    """Return whether maintenance mode is on, from ``backend`` or the default backend.

    While an override block is open on the backend, its value is the answer.
    """
    target = backend or default_backend()
    override = state.overrides.get(id(target))
    if override is not None and override.value is not None:
        return override.value
    return await target.get_value()


async def set_maintenance_mode(value: bool, backend: BaseStateBackend | None = None) -> None:
    """Switch maintenance mode on or off in ``backend`` or the default backend."""
    target = backend or default_backend()
    await target.set_value(bool(value))
    state.registry.notify_changed(bool(value), target)
