"""``maintenance_mode_on``: maintenance for the duration of a block, and the open blocks' data."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from ._backend import BaseStateBackend
from ._errors import InvalidStateError
from ._model import MaintenanceState, state_of

if TYPE_CHECKING:
    from ._api import BackendSpec

F = TypeVar("F", bound=Callable[..., Any])


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


class override_maintenance_mode:
    """Hold maintenance mode at ``value`` while at least one such block is open.

    While a block is open every middleware of the process obeys it (a block holding it
    on wins over one holding it off), and ``get_maintenance_mode`` on its backend
    answers ``value``. On a writable backend the value is also written through, so
    every process sees it; the first block to open remembers the stored state and the
    last one to close restores it, however blocks nest or interleave across tasks.
    """

    def __init__(self, value: bool = True, backend: BackendSpec | None = None) -> None:
        from . import _api

        _api.check_spec(backend)
        self.value = bool(value)
        self._backend = backend
        self._entered: list[tuple[BaseStateBackend, Override]] = []

    async def __aenter__(self) -> override_maintenance_mode:
        from . import _api

        backend = _api.target_backend(self._backend)
        override = _state.state.overrides.setdefault(id(backend), Override())
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
                    _state.state.plugins.written(backend, await _served(backend))
        finally:
            _leave(backend, override)

    def _count(self, override: Override, step: int) -> None:
        """Open (``+1``) or close (``-1``) one block of this value, on the backend and process."""
        if self.value:
            override.on += step
            _state.state.override_depth += step
        else:
            override.off += step
            _state.state.override_off_depth += step

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
        from . import _api

        return _api.cached_state_of(backend) or state_of(bool(backend.cached_value()))


async def _store(backend: BaseStateBackend, new: MaintenanceState) -> None:
    """Write ``new`` through to a writable backend and tell the plugins."""
    if not backend.read_only:
        await backend.set_state(new)
    _state.state.plugins.written(backend, new)


def _leave(backend: BaseStateBackend, override: Override) -> None:
    """Forget the backend's override once no block uses it any more."""
    override.users -= 1
    if override.users == 0 and _state.state.overrides.get(id(backend)) is override:
        del _state.state.overrides[id(backend)]


def maintenance_mode_on(backend: BackendSpec | None = None) -> override_maintenance_mode:
    """Turn maintenance on for an ``async with`` block (or a decorated async function).

    ``backend`` is an instance, a driver name or a URL (as for ``get_maintenance_mode``);
    the previous state is restored when the block ends, also when it raises.
    """
    return override_maintenance_mode(True, backend)


# Last: _state needs OverrideState, and either module may be the one imported first. Both
# _state and _api (which needs a complete _state, so it is imported where it is called) are
# used at call time only.
from . import _state  # noqa: E402
