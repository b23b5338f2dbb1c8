"""All module-level state of the package, in one place, with :func:`reset_state` for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

import anyio

from ._backend import BaseStateBackend
from ._registry import BackendRegistry
from ._specs import build_backend

BACKEND_ENV_VAR = "FASTAPI_MAINTENANCE_BACKEND"


@dataclass
class Override:
    """One backend's open override blocks and the stored state to restore after them."""

    #: Open blocks holding maintenance on, and off.
    on: int = 0
    off: int = 0
    #: The stored state before the first block opened (writable backends only).
    previous: bool | None = None
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
class State:
    registry: BackendRegistry = field(default_factory=BackendRegistry)
    #: Set by :func:`configure_backend`.
    configured: BaseStateBackend | None = None
    #: Set by the most recent middleware created with an explicit backend (0.0.5 behaviour).
    middleware: BaseStateBackend | None = None
    #: Built from ``FASTAPI_MAINTENANCE_BACKEND`` (or the env driver) on first use.
    fallback: BaseStateBackend | None = None
    #: Open override blocks, by ``id()`` of their backend.
    overrides: dict[int, Override] = field(default_factory=dict)
    #: Number of blocks holding maintenance on (``maintenance_mode_on``), on any backend.
    override_depth: int = 0
    #: Number of blocks holding maintenance off, on any backend.
    override_off_depth: int = 0


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
    return os.environ.get(BACKEND_ENV_VAR, "").strip() or "env"


def default_backend() -> BaseStateBackend:
    """The backend used when none is passed: middleware's, configured, or from the environment."""
    current = state
    backend = current.middleware or current.configured or current.fallback
    if backend is None:
        backend = current.fallback = build_backend(current.registry, default_spec())
    return backend
