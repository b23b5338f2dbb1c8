"""All module-level state of the package, in one place, with :func:`reset_state` for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from ._backend import BaseStateBackend
from ._registry import BackendRegistry

BACKEND_ENV_VAR = "FASTAPI_MAINTENANCE_BACKEND"


@dataclass
class Override:
    """One backend's active ``maintenance_mode_on`` blocks and the state to restore after them."""

    depth: int = 0
    previous: bool | None = None


@dataclass
class State:
    registry: BackendRegistry = field(default_factory=BackendRegistry)
    #: Set by :func:`configure_backend`.
    configured: BaseStateBackend | None = None
    #: Set by the most recent middleware created with an explicit backend (0.0.5 behaviour).
    middleware: BaseStateBackend | None = None
    #: Built from ``FASTAPI_MAINTENANCE_BACKEND`` (or the env driver) on first use.
    fallback: BaseStateBackend | None = None
    overrides: dict[int, Override] = field(default_factory=dict)
    #: Number of ``maintenance_mode_on`` blocks open in this process, on any backend.
    override_depth: int = 0


state = State()


def reset_state() -> None:
    """Forget every configured backend, override and in-process registration.

    Meant for tests: the next call behaves as in a freshly started process.
    """
    fresh = State()
    for f in fields(State):
        setattr(state, f.name, getattr(fresh, f.name))


def default_backend() -> BaseStateBackend:
    """The backend used when none is passed: middleware's, configured, or from the environment."""
    current = state
    backend = current.middleware or current.configured or current.fallback
    if backend is None:
        spec = os.environ.get(BACKEND_ENV_VAR, "").strip() or "env"
        backend = current.fallback = current.registry.create(spec)
    return backend
