"""Reading, writing and configuring the maintenance state from code."""

from __future__ import annotations

from typing import Any

from ._backend import BaseStateBackend
from ._errors import BackendConfigError
from ._specs import backend_from, not_a_spec
from ._state import calls_backend, state

BackendSpec = BaseStateBackend | str


def check_spec(backend: object) -> None:
    """Refuse what is neither a backend nor a spec, with a ``TypeError`` saying what is accepted."""
    if not (backend is None or isinstance(backend, (BaseStateBackend, str))):
        raise not_a_spec(backend)


def resolve_backend(
    backend: BackendSpec | None, options: dict[str, Any] | None = None
) -> BaseStateBackend | None:
    """Turn an instance, a driver name or a URL into a backend; ``None`` stays ``None``."""
    if backend is None:
        if options:
            raise BackendConfigError("backend options were given without a backend name or URL")
        return None
    return backend_from(state.registry, backend, options)


def target_backend(backend: BackendSpec | None) -> BaseStateBackend:
    """The backend a state function acts on: ``backend``, or the one calls use by default.

    A spec is built once and kept, so every call with the same spec (an override block
    and the reads inside it, say) acts on the same backend.
    """
    if backend is None:
        return calls_backend()
    if isinstance(backend, BaseStateBackend):
        return backend
    if not isinstance(backend, str):
        raise not_a_spec(backend)
    built = state.by_spec.get(backend)
    if built is None:
        built = resolve_backend(backend)
        assert built is not None
        state.by_spec[backend] = built
    return built


def configure_backend(backend_type: BackendSpec, **kwargs: Any) -> None:
    """Choose the backend used when none is passed explicitly.

    ``backend_type`` is a driver name (``"env"``, ``"file"`` or any installed plugin's),
    a URL such as ``"file:///var/run/maintenance"``, or a backend instance. Keyword
    arguments go to the driver, e.g. ``configure_backend("file", file_path="m.txt")``.
    It is what apps built without a backend follow, and what the state functions called
    without one use.
    """
    state.configured = resolve_backend(backend_type, kwargs)


async def get_maintenance_mode(backend: BackendSpec | None = None) -> bool:
    """Return whether maintenance mode is on, from ``backend`` or the default backend.

    ``backend`` is an instance, a driver name or a URL. While an override block is open on
    the backend, its value is the answer.
    """
    target = target_backend(backend)
    override = state.overrides.get(id(target))
    if override is not None and override.value is not None:
        return override.value
    return await target.get_value()


async def set_maintenance_mode(value: bool, backend: BackendSpec | None = None) -> None:
    """Switch maintenance mode on or off in ``backend`` (an instance, a driver name or a URL)
    or the default backend."""
    target = target_backend(backend)
    await target.set_value(bool(value))
    state.plugins.notify_changed(bool(value), target)
