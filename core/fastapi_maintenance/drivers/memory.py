"""The ``memory`` driver: the maintenance state lives in this process's memory, no I/O."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from .._model.backend import BaseStateBackend
from .._model.errors import BackendConfigError
from .._model.model import OFF, MaintenanceState, state_of

DEFAULT_NAME = "default"


class MemoryBackend(BaseStateBackend):
    """Writable, per process: the whole state is an entry of a dict, keyed by ``name``.

    Backends with the same name share one state; nothing outlives the process, and no other
    process (the command line included) can see it. Meant for tests and single-process apps.
    ``memory://NAME`` selects the store by URL; ``memory`` alone is the store ``default``.
    """

    stores_details: ClassVar[bool] = True
    #: The store lives in this process: the command line refuses to switch it (the change
    #: would end with the command) and warns that what it reads is not the application's.
    process_local: ClassVar[bool] = True
    #: Every store of the process, by name. Reading a dict entry is the whole cost of a request.
    _stores: ClassVar[dict[str, MaintenanceState]] = {}

    def __init__(self, name: str = DEFAULT_NAME) -> None:
        if not isinstance(name, str) or not name:
            raise BackendConfigError(
                f"a memory store needs a non-empty name (a string), got {name!r}"
            )
        self.name = name

    @classmethod
    def from_url(cls, url: str, **options: Any) -> MemoryBackend:
        """``memory://NAME``; a bare ``memory://`` is the store named ``default``."""
        parts = urlsplit(url)
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise BackendConfigError(
                f"a memory URL names only the store, as memory://NAME; got {url!r}"
            )
        name = options.pop("name", None)
        if options:
            raise BackendConfigError(
                f"unknown option(s) {', '.join(sorted(options))} for {url!r}; accepted: name"
            )
        if parts.netloc and name and name != parts.netloc:
            raise BackendConfigError(f"{url!r} names store {parts.netloc!r} but name is {name!r}")
        return cls(name=parts.netloc or name or DEFAULT_NAME)

    def cached_state(self) -> MaintenanceState:
        """The state itself: it is in memory, so requests never await ``get_state``."""
        return self._stores.get(self.name, OFF)

    def cached_value(self) -> bool:
        """Whether maintenance is active now (a window counts)."""
        return self.cached_state().is_active()

    async def get_state(self) -> MaintenanceState:
        return self.cached_state()

    async def set_state(self, state: MaintenanceState) -> None:
        self._stores[self.name] = state

    async def get_value(self) -> bool:
        return self.cached_value()

    async def set_value(self, value: bool) -> None:
        self._stores[self.name] = state_of(bool(value))

    def clear(self) -> None:
        """Forget this store's state, so it reads off again, as in a fresh process."""
        self._stores.pop(self.name, None)

    @classmethod
    def clear_all(cls) -> None:
        """Forget the state of every store of the process, as in a fresh process."""
        cls._stores.clear()

    def describe(self) -> str:
        return f"memory: {self.name}"
