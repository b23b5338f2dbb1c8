"""The state this process serves, and the rule that keeps an older update from replacing it."""

from __future__ import annotations

import asyncio

from fastapi_maintenance import MaintenanceState


class StateCache:
    """The last state seen, with its version; ``assume`` until anything is known.

    This process's own write is taken only if its version is newer than the one held. A
    read is taken if it is not older, or if nothing else was taken while it was in flight
    (so a row that was deleted and written anew, its version starting over, is followed).
    A state equal to the one held keeps the object held, so requests see the same object
    until the state really changes.
    """

    def __init__(self, assume: bool) -> None:
        self.assume = MaintenanceState(on=assume)
        self.state: MaintenanceState | None = None
        #: Whether the state served is on, while no window bounds it; else ``None``.
        self.untimed: bool | None = assume
        self.version = -1
        self._updates = 0
        self._listeners: set[asyncio.Queue[bool | None]] = set()

    def serving(self) -> MaintenanceState:
        state = self.state
        return self.assume if state is None else state

    def serving_on(self) -> bool:
        """Whether the state served is active now, for logs."""
        return self.serving().is_active()

    @property
    def known(self) -> bool:
        return self.state is not None

    def offer(self, state: MaintenanceState, version: int) -> None:
        """This process's own write."""
        if version > self.version:
            self._take(state, version)

    def mark(self) -> int:
        """Call before a read; pass the result to :meth:`offer_read`."""
        return self._updates

    def offer_read(self, state: MaintenanceState, version: int, mark: int) -> None:
        if version >= self.version or self._updates == mark:
            self._take(state, version)

    def _take(self, state: MaintenanceState, version: int) -> None:
        before = self.serving()
        if state != before:
            self.state = state
            self.untimed = None if state.timed else state.on
        elif self.state is None:
            self.state = before
        self.version = version
        self._updates += 1
        if state.on != before.on:
            for queue in self._listeners:
                queue.put_nowait(state.on)

    # change listeners ------------------------------------------------------------------

    def listen(self) -> asyncio.Queue[bool | None]:
        """A queue that receives each change of on/off served, then ``None`` on close."""
        queue: asyncio.Queue[bool | None] = asyncio.Queue()
        self._listeners.add(queue)
        return queue

    def unlisten(self, queue: asyncio.Queue[bool | None]) -> None:
        self._listeners.discard(queue)

    def end_listeners(self) -> None:
        for queue in self._listeners:
            queue.put_nowait(None)
