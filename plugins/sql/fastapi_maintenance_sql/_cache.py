"""The state this process serves, and the rule that keeps an older update from replacing it."""

from __future__ import annotations

import asyncio


class StateCache:
    """The last state seen, with its version; ``assume`` until anything is known.

    This process's own write is taken only if its version is newer than the one held. A
    read is taken if it is not older, or if nothing else was taken while it was in flight
    (so a row that was deleted and written anew, its version starting over, is followed).
    """

    def __init__(self, assume: bool) -> None:
        self.assume = assume
        self.value: bool | None = None
        self.version = -1
        self._updates = 0
        self._listeners: set[asyncio.Queue[bool | None]] = set()

    def serving(self) -> bool:
        value = self.value
        return self.assume if value is None else value

    @property
    def known(self) -> bool:
        return self.value is not None

    def offer(self, value: bool, version: int) -> None:
        """This process's own write."""
        if version > self.version:
            self._take(value, version)

    def mark(self) -> int:
        """Call before a read; pass the result to :meth:`offer_read`."""
        return self._updates

    def offer_read(self, value: bool, version: int, mark: int) -> None:
        if version >= self.version or self._updates == mark:
            self._take(value, version)

    def _take(self, value: bool, version: int) -> None:
        before = self.serving()
        self.value, self.version = value, version
        self._updates += 1
        if value != before:
            for queue in self._listeners:
                queue.put_nowait(value)

    # change listeners ------------------------------------------------------------------

    def listen(self) -> asyncio.Queue[bool | None]:
        """A queue that receives each change of :meth:`serving`, then ``None`` on close."""
        queue: asyncio.Queue[bool | None] = asyncio.Queue()
        self._listeners.add(queue)
        return queue

    def unlisten(self, queue: asyncio.Queue[bool | None]) -> None:
        self._listeners.discard(queue)

    def end_listeners(self) -> None:
        for queue in self._listeners:
            queue.put_nowait(None)
