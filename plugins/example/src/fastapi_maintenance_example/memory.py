"""The ``memory`` driver: the maintenance state lives in this process's memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

from fastapi_maintenance import BackendConfigError, BaseStateBackend

DEFAULT_NAME = "default"


class MemoryBackend(BaseStateBackend):
    """State kept in a dict shared by every instance in the process, keyed by ``name``.

    Instances with the same name share one state, which nothing outlives the process: handy
    for tests and single-process apps. ``example-memory://NAME`` selects the name by URL.
    """

    #: The store lives in this process: the command line refuses to switch it.
    process_local = True

    supports_changes: ClassVar[bool] = True

    _states: ClassVar[dict[str, bool]] = {}
    _listeners: ClassVar[dict[str, set[asyncio.Queue[bool]]]] = {}

    def __init__(self, name: str = DEFAULT_NAME) -> None:
        if not isinstance(name, str) or not name:
            raise BackendConfigError(f"a memory store needs a non-empty name, got {name!r}")
        self.name = name

    @classmethod
    def from_url(cls, url: str, **options: Any) -> MemoryBackend:
        """``example-memory://NAME``; a bare ``example-memory://`` is the store ``default``."""
        parts = urlsplit(url)
        if parts.path or parts.query or parts.fragment:
            raise BackendConfigError(
                f"a memory URL names only the store, as example-memory://NAME; got {url!r}"
            )
        if parts.netloc:
            options["name"] = parts.netloc
        return cls(**options)

    async def get_value(self) -> bool:
        return self._states.get(self.name, False)

    async def set_value(self, value: bool) -> None:
        value = bool(value)
        changed = self._states.get(self.name, False) != value
        self._states[self.name] = value
        if changed:
            for queue in self._listeners.get(self.name, ()):
                queue.put_nowait(value)

    def cached_value(self) -> bool:
        # A dict lookup is no I/O, so the middleware never has to await get_value().
        return self._states.get(self.name, False)

    async def changes(self) -> AsyncIterator[bool]:
        queue: asyncio.Queue[bool] = asyncio.Queue()
        listeners = self._listeners.setdefault(self.name, set())
        listeners.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            listeners.discard(queue)

    def describe(self) -> str:
        return f"memory: {self.name}"
