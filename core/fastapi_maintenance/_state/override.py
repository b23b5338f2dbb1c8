"""``maintenance_mode_on``: maintenance for the duration of a block."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from .._model.backend import BaseStateBackend
from .._model.errors import InvalidStateError
from .._model.model import MaintenanceState, state_of
from .api import BackendSpec, cached_state_of, check_spec, target_backend
from .state import Override, state

F = TypeVar("F", bound=Callable[..., Any])


class override_maintenance_mode:
    """Hold maintenance mode at ``value`` while at least one such block is open.

    While a block is open every middleware of the process obeys it (a block holding it
    on wins over one holding it off), and ``get_maintenance_mode`` on its backend
    answers ``value``. On a writable backend the value is also written through, so
    every process sees it; the first block to open remembers the stored state and the
    last one to close restores it, however blocks nest or interleave across tasks.
    """

    def __init__(self, value: bool = True, backend: BackendSpec | None = None) -> None:
        check_spec(backend)
        self.value = bool(value)
        self._backend = backend
        self._entered: list[tuple[BaseStateBackend, Override]] = []

    async def __aenter__(self) -> override_maintenance_mode:
        backend = target_backend(self._backend)
        override = state.overrides.setdefault(id(backend), Override())
        override.users += 1
        try:
            async with override.lock:
                before = override.value
                self._count(override, +1)
                try:
                    if before is None and not backend.read_only:
                        override.previous = await _served(backend)
                    now = override.value
                    if now is not None and now != before:
                        await _store(backend, state_of(now))
                except BaseException:
                    self._count(override, -1)
                    raise
        except BaseException:
            _leave(backend, override)
            raise
        self._entered.append((backend, override))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._entered, "__aexit__ without __aenter__"
        backend, override = self._entered.pop()
        try:
            async with override.lock:
                before = override.value
                self._count(override, -1)
                after = override.value
                if after is not None:
                    if after != before:
                        await _store(backend, state_of(after))
                    return
                previous, override.previous = override.previous, None
                if previous is not None:
                    await _store(backend, previous)
                elif backend.read_only:
                    state.plugins.written(backend, await _served(backend))
        finally:
            _leave(backend, override)

    def _count(self, override: Override, step: int) -> None:
        """Open (``+1``) or close (``-1``) one block of this value, on the backend and process."""
        if self.value:
            override.on += step
            state.override_depth += step
        else:
            override.off += step
            state.override_off_depth += step

    def __call__(self, func: F) -> F:
        """Use the block as a decorator of an async function."""
        if not inspect.iscoroutinefunction(func):
            raise TypeError("maintenance_mode_on decorates async functions only")

        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            async with override_maintenance_mode(self.value, self._backend):
                return await func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


async def _served(backend: BaseStateBackend) -> MaintenanceState:
    """The whole stored state, or, where the store holds garbage, the state requests are served.

    A block must still open and close over a corrupt store: what it restores is then the
    last known state the middleware serves, which the block's write repairs.
    """
    try:
        return await backend.get_state()
    except InvalidStateError:
        return cached_state_of(backend) or state_of(bool(backend.cached_value()))


async def _store(backend: BaseStateBackend, new: MaintenanceState) -> None:
    """Write ``new`` through to a writable backend and tell the plugins."""
    if not backend.read_only:
        await backend.set_state(new)
    state.plugins.written(backend, new)


def _leave(backend: BaseStateBackend, override: Override) -> None:
    """Forget the backend's override once no block uses it any more."""
    override.users -= 1
    if override.users == 0 and state.overrides.get(id(backend)) is override:
        del state.overrides[id(backend)]


def maintenance_mode_on(backend: BackendSpec | None = None) -> override_maintenance_mode:
    """Turn maintenance on for an ``async with`` block (or a decorated async function).

    ``backend`` is an instance, a driver name or a URL (as for ``get_maintenance_mode``);
    the previous state is restored when the block ends, also when it raises.
    """
    return override_maintenance_mode(True, backend)
