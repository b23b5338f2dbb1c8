"""The pytest plugin: fixtures that put the app under test into maintenance and out again.

pytest loads this module through the ``pytest11`` entry point of fastapi-maintenance. It
defines fixtures only (none is autouse) and imports nothing of the package until a test asks
for one, so test suites that never use them pay nothing. Applications never import it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .drivers.memory import MemoryBackend

__all__ = ["MaintenanceSwitch", "maintenance", "maintenance_state"]


class MaintenanceSwitch:
    """Switches maintenance on and off for the apps of the test, sync or async.

    Every app under test follows it, whatever backend it was given (as
    ``dependency_overrides`` replaces a dependency): the switch writes the in-memory backend
    the ``maintenance_state`` fixture put in place of them all. Every change goes through
    ``set_maintenance_mode``, so plugins' ``maintenance_mode_changed``
    hooks hear of it as in production. New settings arrive as new methods or keyword-only
    arguments, so tests written today keep working.
    """

    def __init__(self, backend: MemoryBackend) -> None:
        #: The backend the switch writes: hand it to an app built with an explicit backend.
        self.backend = backend

    @property
    def spec(self) -> str:
        """The backend as a URL (``memory://NAME``), for apps that take their backend as text."""
        return f"memory://{self.backend.name}"

    @property
    def is_on(self) -> bool:
        """Whether maintenance mode is on in the backend."""
        return self.backend.cached_value()

    def on(self, **details: Any) -> None:
        """Switch maintenance on, from a sync test (or an async one: no event loop is needed).

        ``details`` are those of ``set_maintenance_mode``, as the
        command line's options: ``message="Back at 3"``, ``read_only=True``, a window with
        ``duration=`` (seconds or a ``timedelta``) or ``ends_at=``, ``starts_at=``,
        ``allow_ips=``, ``allow_paths=``.
        """
        _run_to_end(self.aon(**details))

    def off(self) -> None:
        """Switch maintenance off, from a sync test."""
        self.set(False)

    def set(self, value: bool) -> None:
        """Switch maintenance to ``value`` from a sync test."""
        _run_to_end(self.aset(value))

    async def aon(self, **details: Any) -> None:
        """Switch maintenance on, from an async test; ``details`` as for ``on``."""
        from ._state.api import set_maintenance_mode

        await set_maintenance_mode(True, self.backend, **details)

    async def aoff(self) -> None:
        """Switch maintenance off, from an async test."""
        await self.aset(False)

    async def aset(self, value: bool) -> None:
        """Switch maintenance to ``value`` from an async test."""
        from ._state.api import set_maintenance_mode

        await set_maintenance_mode(value, self.backend)

    def __repr__(self) -> str:
        return f"<MaintenanceSwitch {self.spec} {'on' if self.is_on else 'off'}>"


def _run_to_end(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` on an event loop of its own, in a thread, whatever the caller runs.

    A thread keeps the loop away from one the test (or its event loop plugin) may be running.
    """
    import anyio

    failure: list[BaseException] = []

    async def main() -> None:
        await coroutine

    def run() -> None:
        try:
            anyio.run(main)
        except BaseException as exc:  # handed back to the calling thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="fastapi-maintenance-switch")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture
def maintenance_state() -> Iterator[MemoryBackend]:
    """An isolated maintenance state: the package as in a fresh process, before and after.

    Forgets every configured backend, override block and in-process registration
    (``reset_state()``) and the state of every ``memory`` store, then makes a new in-memory
    backend, off, the default backend and the one every middleware serves in place of the
    backend it was given; it yields that backend. Afterwards the package and the ``memory``
    stores are reset again.
    """
    from ._state.api import configure_backend
    from ._state.state import reset_state, state
    from .drivers.memory import MemoryBackend

    reset_state()
    MemoryBackend.clear_all()
    backend = MemoryBackend(f"pytest-{uuid.uuid4().hex}")
    configure_backend(backend)
    state.substitute = backend
    try:
        yield backend
    finally:
        reset_state()
        MemoryBackend.clear_all()


@pytest.fixture
def maintenance(maintenance_state: MemoryBackend) -> MaintenanceSwitch:
    """The switch for maintenance mode of the apps under test, over an isolated state."""
    return MaintenanceSwitch(maintenance_state)
