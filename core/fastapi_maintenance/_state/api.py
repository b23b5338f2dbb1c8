"""Reading, writing and configuring the maintenance state from code."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .._model.backend import BaseStateBackend
from .._model.errors import BackendConfigError, InvalidStateError
from .._model.model import MaintenanceScope, MaintenanceState, state_of, window
from .._model.selectors import check_name
from .._plugins.specs import backend_from, not_a_spec
from .state import calls_backend, state

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


async def get_maintenance_state(backend: BackendSpec | None = None) -> MaintenanceState:
    """The whole state of ``backend`` (an instance, a driver name or a URL) or the default one.

    While an override block is open on the backend, the state it holds is the answer.
    """
    target = target_backend(backend)
    override = state.overrides.get(id(target))
    if override is not None and override.value is not None:
        return state_of(override.value)
    return await target.get_state()


async def get_maintenance_mode(backend: BackendSpec | None = None) -> bool:
    """Return whether maintenance mode is active now, from ``backend`` or the default backend.

    ``backend`` is an instance, a driver name or a URL. A scheduled window that has not
    started, or one that has ended, answers ``False``. While an override block is open on
    the backend, its value is the answer.
    """
    return (await get_maintenance_state(backend)).is_active()


async def set_maintenance_state(new: MaintenanceState, backend: BackendSpec | None = None) -> None:
    """Store ``new`` in ``backend`` or the default backend, stamped with the time of the write.

    A ``plain`` state (on or off, and nothing else) is stored as it is,
    unstamped: every driver keeps it as fastapi-maintenance 0.0.5's ``1`` or ``0``, which
    scripts and processes still on 0.0.5 read. A driver that stores only on and off refuses
    a message, a window, read-only or scopes (``UnsupportedStateError``) and writes nothing.
    The state is written as given, its scopes included: scopes it leaves out are ended.
    """
    target = target_backend(backend)
    await _write(target, state_of(new.on) if new.plain else new.stamped())


async def set_maintenance_scope(
    scope: MaintenanceScope, backend: BackendSpec | None = None
) -> MaintenanceState:
    """Create ``scope``, or replace the scope of the same name, in ``backend`` or the default
    backend; the scope is stamped with the time of the write. Returns the state written.

    The global switch and the other scopes stay as they are. The state is read, changed and
    written back: of two processes changing scopes at the same moment, the last to write
    wins and the other's change is lost. A driver that stores only on and off refuses
    (``UnsupportedStateError``) and writes nothing.
    """
    if not isinstance(scope, MaintenanceScope):
        raise TypeError(f"scope must be a MaintenanceScope, got {type(scope).__name__}")
    target = target_backend(backend)
    new = (await _stored(target)).with_scope(scope.stamped())
    await _write(target, new)
    return new


async def end_maintenance_scope(name: str, backend: BackendSpec | None = None) -> bool:
    """End the scope called ``name`` in ``backend`` or the default backend; whether there was
    one (without one, nothing is written).

    The global switch and the other scopes stay as they are; read, changed and written back
    as ``set_maintenance_scope`` (the last writer wins).
    """
    check_name(name)
    target = target_backend(backend)
    current = await _stored(target)
    if current.scope_named(name) is None:
        return False
    new = current.without_scope(name)
    await _write(target, state_of(new.on) if new.plain else new)
    return True


async def _stored(target: BaseStateBackend) -> MaintenanceState:
    """The state in the store, for a change of part of it (never an override's value)."""
    return await target.get_state()


async def _write(target: BaseStateBackend, written: MaintenanceState) -> None:
    before = cached_state_of(target) if state.served.get(id(target)) is target else None
    await target.set_state(written)
    state.plugins.written(target, written, before)


def cached_state_of(backend: BaseStateBackend) -> MaintenanceState | None:
    """The state ``backend`` serves from memory, ``None`` if it keeps none or fails to say."""
    try:
        cached = backend.cached_state()
    except Exception:
        return None
    return cached if isinstance(cached, MaintenanceState) else None


async def set_maintenance_mode(
    value: bool,
    backend: BackendSpec | None = None,
    *,
    message: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    duration: timedelta | float | None = None,
    read_only: bool = False,
    updated_by: str | None = None,
    allow_ips: Iterable[str] | None = None,
    allow_paths: Iterable[str] | None = None,
) -> None:
    """Switch maintenance mode on or off in ``backend`` (an instance, a driver name or a URL)
    or the default backend.

    Switching on may carry a ``message`` for users, a window (``starts_at``, and ``ends_at``
    or a ``duration`` in seconds or as a ``timedelta``, counted from ``starts_at`` if given,
    else from now), ``read_only`` (reads pass, writes get 503), and ``allow_ips`` (CIDR) and
    ``allow_paths`` (``/health``, ``/internal/*``) that every app reading the state lets
    through on top of its own lists. Switching off clears them. Without any of them, nor
    ``updated_by``, the store keeps 0.0.5's plain ``1`` or ``0``. Invalid input raises
    ``ValueError`` and writes nothing.

    Switching on keeps the scopes the store holds (read first: the last writer wins, as
    with ``set_maintenance_scope``); switching off ends them too, and everything is off.
    """
    if value:
        start, end = window(starts_at=starts_at, ends_at=ends_at, duration=duration)
        target = target_backend(backend)
        new = MaintenanceState(
            on=True,
            read_only=read_only,
            message=message,
            starts_at=start,
            ends_at=end,
            updated_by=updated_by,
            allow_ips=_listed("allow_ips", allow_ips),
            allow_paths=_listed("allow_paths", allow_paths),
        )
        scopes = await _scopes_kept(target)
        if scopes:
            await set_maintenance_state(replace(new, scopes=scopes), target)
            return
    else:
        details = [
            name
            for name, given in (
                ("message", message),
                ("starts_at", starts_at),
                ("ends_at", ends_at),
                ("duration", duration),
                ("read_only", read_only or None),
                ("allow_ips", allow_ips or None),
                ("allow_paths", allow_paths or None),
            )
            if given is not None
        ]
        if details:
            raise ValueError(
                f"{', '.join(details)} only go with switching maintenance mode on; "
                "switching it off clears them"
            )
        new = MaintenanceState(on=False, updated_by=updated_by)
    await set_maintenance_state(new, backend)


async def _scopes_kept(target: BaseStateBackend) -> tuple[MaintenanceScope, ...]:
    """The scopes the store holds, to keep across a switch on; none from a driver that
    stores only on and off, or from a store holding garbage (which the switch replaces)."""
    if not target.stores_details:
        return ()
    try:
        return (await _stored(target)).scopes
    except InvalidStateError:
        return ()


def _listed(name: str, entries: Iterable[str] | None) -> tuple[str, ...]:
    """A list argument as a tuple; a lone string is refused, not split into characters."""
    if entries is None:
        return ()
    if isinstance(entries, (str, bytes)):
        raise TypeError(f"{name} must be a list of strings, got a single {type(entries).__name__}")
    return tuple(entries)
