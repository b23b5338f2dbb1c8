"""``maintenance_mode_on``: maintenance for the duration of a block."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from ._backend import BaseStateBackend
from ._state import Override, default_backend, state

F = TypeVar("F", bound=Callable[..., Any])


class override_maintenance_mode:
    """Hold maintenance mode at ``value`` while at least one such block is open.

    The process-wide override makes every middleware answer 503 for the duration. On a
    writable backend the state is also written through, so every process sees it; the
    first block to open remembers the stored state and the last one to close restores
    it, however blocks nest or interleave across tasks.
    """

    def __init__(self, value: bool = True, backend: BaseStateBackend | None = None) -> None:
        self.value = value
        self._backend = backend
        self._entered: BaseStateBackend | None = None

    async def __aenter__(self) -> override_maintenance_mode:
        backend = self._entered = self._backend or default_backend()
        override = state.overrides.setdefault(id(backend), Override())
        override.depth += 1
        state.override_depth += 1
        if override.depth > 1:
            return self
        if not backend.read_only:
            try:
                override.previous = await backend.get_value()
                await backend.set_value(self.value)
            except BaseException:
                self._entered = None
                self._release(backend)
                raise
        state.registry.notify_changed(self.value, backend)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        backend = self._entered
        assert backend is not None, "__aexit__ without __aenter__"
        self._entered = None
        override = self._release(backend)
        if override is None:
            return
        if override.previous is not None:
            await backend.set_value(override.previous)
            state.registry.notify_changed(override.previous, backend)
        elif backend.read_only:
            state.registry.notify_changed(await backend.get_value(), backend)

    def _release(self, backend: BaseStateBackend) -> Override | None:
        """Close one block; return the backend's override if this was its last open block."""
        state.override_depth = max(0, state.override_depth - 1)
        override = state.overrides.get(id(backend))
        if override is None:
            return None
        override.depth -= 1
        if override.depth > 0:
            return None
        del state.overrides[id(backend)]
        return override

    def __call__(self, func: F) -> F:
        """Use the block as a decorator of an async function."""
        if not inspect.iscoroutinefunction(func):
            raise TypeError("maintenance_mode_on decorates async functions only")

        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with override_maintenance_mode(self.value, self._backend):
                return await func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def maintenance_mode_on(backend: BaseStateBackend | None = None) -> override_maintenance_mode:
    """Turn maintenance on for an ``async with`` block (or a decorated async function).

    The previous state is restored when the block ends, also when it raises.
    """
    return override_maintenance_mode(True, backend)
