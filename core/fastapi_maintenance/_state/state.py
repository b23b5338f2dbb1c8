"""All module-level state of the package, in one place, with ``reset_state`` for tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields

import anyio

from .._model.backend import BaseStateBackend
from .._model.model import MaintenanceState
from .._plugins.manager import Plugins
from .._plugins.registry import BackendRegistry
from .._plugins.specs import build_backend
from .._support.environ import setting

BACKEND_ENV_VAR = "FASTAPI_MAINTENANCE_BACKEND"

logger = logging.getLogger("fastapi_maintenance")


@dataclass
class Override:
    """One backend's open override blocks and the stored state to restore after them."""

    #: Open blocks holding maintenance on, and off.
    on: int = 0
    off: int = 0
    #: The whole stored state before the first block opened (writable backends only):
    #: restored, message and window included, when the last block closes.
    previous: MaintenanceState | None = None
    #: Blocks entering, open or leaving; the entry is dropped when none is left.
    users: int = 0
    #: Serialises the opening and closing of blocks, whose reads and writes must not interleave.
    lock: anyio.Lock = field(default_factory=anyio.Lock)

    @property
    def value(self) -> bool | None:
        """The state the open blocks hold, ``None`` if none is open."""
        if self.on:
            return True
        if self.off:
            return False
        return None


@dataclass
class OverrideState:
    """The process's open override blocks, part of the package state (``_state.state``)."""

    #: Open override blocks, by ``id()`` of their backend.
    overrides: dict[int, Override] = field(default_factory=dict)
    #: Number of blocks holding maintenance on, on any backend; the middleware reads it.
    override_depth: int = 0
    #: Number of blocks holding maintenance off, on any backend.
    override_off_depth: int = 0


@dataclass
class State(OverrideState):
    """The registry, the plugins, the backends chosen so far and the open override blocks."""

    registry: BackendRegistry = field(default_factory=BackendRegistry)
    plugins: Plugins = field(init=False)
    #: Set by ``configure_backend``.
    configured: BaseStateBackend | None = None
    #: Set by the pytest plugin's fixtures: every middleware serves it instead of the backend
    #: it was given, as ``dependency_overrides`` replaces a dependency.
    substitute: BaseStateBackend | None = None
    #: The backend given to the most recently built middleware that was given one.
    app_backend: BaseStateBackend | None = None
    #: Middlewares were given different backends, so ``app_backend`` is only the latest.
    several_app_backends: bool = False
    #: Whether the no-argument calls already said that they chose among several.
    told_several: bool = False
    #: Built from ``FASTAPI_MAINTENANCE_BACKEND`` (or the env driver) on first use.
    fallback: BaseStateBackend | None = None
    #: Backends built from the specs passed to the state functions, by spec.
    by_spec: dict[str, BaseStateBackend] = field(default_factory=dict)
    #: Backends started by a middleware's lifespan and not closed yet, by ``id()``: their
    #: ``cached_state()`` is current and costs no I/O, so a write can say what it replaced.
    served: dict[int, BaseStateBackend] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.plugins = Plugins(self.registry)


state = State()


def reset_state() -> None:
    """Forget every configured backend, override and in-process registration.

    Meant for tests: the next call behaves as in a freshly started process.
    """
    fresh = State()
    for f in fields(State):
        setattr(state, f.name, getattr(fresh, f.name))


def default_spec() -> str:
    """The driver name or URL in ``FASTAPI_MAINTENANCE_BACKEND``, else ``"env"``."""
    return setting(BACKEND_ENV_VAR) or "env"


def default_backend() -> BaseStateBackend:
    """The backend of an app built without one: the configured one, else the environment's."""
    current = state
    backend = current.configured or current.fallback
    if backend is None:
        backend = current.fallback = build_backend(current.registry, default_spec())
    return backend


def remember_app_backend(backend: BaseStateBackend) -> None:
    """Note the backend given to a middleware, for the calls made without a backend."""
    if state.app_backend is not None and state.app_backend is not backend:
        state.several_app_backends = True
    state.app_backend = backend


def calls_backend() -> BaseStateBackend:
    """The backend of ``get/set_maintenance_mode()`` and ``maintenance_mode_on()`` without one.

    The configured one; else the one given to a middleware (the latest, if several apps were
    given different ones, which is logged once); else the environment's.
    """
    current = state
    if current.configured is not None:
        return current.configured
    chosen = current.app_backend
    if chosen is None:
        return default_backend()
    if current.several_app_backends and not current.told_several:
        current.told_several = True
        logger.warning(
            "several apps of this process were given different backends; calls without a "
            "backend use the latest one given (%s). Pass the backend, or call "
            "configure_backend(), to choose",
            chosen.describe(),
        )
    return chosen
