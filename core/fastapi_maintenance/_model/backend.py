"""The contract every state driver implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from .._support.coroutines import never_suspends
from .errors import BackendConfigError, UnsupportedStateError
from .model import MaintenanceState, state_of
from .values import format_bool, parse_bool


class BaseStateBackend(ABC):
    """Where the maintenance state lives.

    A driver needs only ``get_value`` and ``set_value``. Everything else is an
    optional capability with a safe default, so a two-method driver written for
    fastapi-maintenance 0.0.5 stays valid.
    """

    #: The driver cannot store a state (the env driver): writes are refused or ignored.
    read_only: ClassVar[bool] = False
    #: The driver pushes changes through ``changes``.
    supports_changes: ClassVar[bool] = False
    #: The driver stores the whole ``MaintenanceState`` (message, window, read-only,
    #: who and when) through ``get_state``/``set_state``, not only on and off.
    stores_details: ClassVar[bool] = False
    #: The store lives in one process (the memory driver): another process, the command
    #: line's included, never sees its state, so the command line refuses to switch it.
    process_local: ClassVar[bool] = False
    #: Set on each driver class: whether the middleware asks ``cached_state`` (the driver
    #: stores details, or serves a state of its own, as the read-only words of ``env``)
    #: rather than ``cached_value``.
    _serves_state: ClassVar[bool] = False
    #: Set on each driver class: whether it answers ``cached_value`` (else every request
    #: reads ``get_value``, without asking the cache first).
    _caches_value: ClassVar[bool] = False
    #: Set on each driver class: whether its ``get_value`` awaits nothing, so a read needs
    #: no timeout (a driver keeping its state in memory).
    _reads_at_once: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._serves_state = bool(cls.stores_details) or (
            cls.cached_state is not BaseStateBackend.cached_state
        )
        cls._caches_value = cls.cached_value is not BaseStateBackend.cached_value
        cls._reads_at_once = never_suspends(cls.get_value)

    @abstractmethod
    async def get_value(self) -> bool:
        """Return the current maintenance state from the store."""

    @abstractmethod
    async def set_value(self, value: bool) -> None:
        """Store a new maintenance state."""

    def cached_value(self) -> bool | None:
        """The state as last seen, without I/O, or ``None`` if the driver keeps no cache.

        The middleware calls this on every request; a driver that can answer from memory
        spares each request an ``await`` of ``get_value``. It must never block or raise.
        """
        return None

    # the whole state: drivers with ``stores_details`` override these three ---------------

    async def get_state(self) -> MaintenanceState:
        """The whole state from the store; by default the on/off of ``get_value``."""
        return state_of(bool(await self.get_value()))

    async def set_state(self, state: MaintenanceState) -> None:
        """Store the whole state; by default only on/off, through ``set_value``.

        A driver without ``stores_details`` refuses a state with a message, a window,
        read-only, allow-lists or scopes (``UnsupportedStateError``) and writes nothing;
        ``updated_by`` and ``updated_at`` are simply not kept.
        """
        if state.scopes and not self.stores_details:
            raise UnsupportedStateError(
                f"{self.describe()} stores only on and off; it cannot keep maintenance scopes "
                "(use a driver that stores them: file, memory, redis or sql)"
            )
        if state.has_details and not self.stores_details:
            raise UnsupportedStateError(
                f"{self.describe()} stores only on and off; it cannot keep a message, a "
                "window, read-only mode or allow-lists (use a driver that stores them, such as "
                "file or redis: `fastapi-maintenance backends` lists what each driver stores)"
            )
        await self.set_value(state.on)

    def cached_state(self) -> MaintenanceState | None:
        """The whole state as last seen, without I/O, or ``None`` without a cache.

        The middleware calls this on every request for drivers with ``stores_details``
        (others are asked ``cached_value``). It must never block or raise.
        """
        value = self.cached_value()
        return None if value is None else state_of(bool(value))

    async def start(self) -> None:  # noqa: B027 - optional capability
        """Open connections and prime caches; called once when the application starts."""

    async def aclose(self) -> None:  # noqa: B027 - optional capability
        """Release connections and background tasks; called when the application stops."""

    def changes(self) -> AsyncIterator[bool]:
        """Yield each new state as the store reports it (drivers with ``supports_changes``)."""
        raise NotImplementedError(f"{type(self).__name__} does not publish state changes")

    @classmethod
    def supports_url(cls) -> bool:
        """Whether the driver overrides ``from_url``."""
        return cls.from_url.__func__ is not BaseStateBackend.from_url.__func__  # type: ignore[attr-defined]

    @classmethod
    def unusable(cls, name: str) -> str | None:
        """Why the driver, registered as ``name``, cannot work here though it loads (a client
        library it needs is missing, say, with how to install it); ``None`` if it can."""
        return None

    @classmethod
    def from_url(cls, url: str, **options: Any) -> BaseStateBackend:
        """Build a backend from a URL whose scheme is the driver's name."""
        raise BackendConfigError(f"the {cls.__name__} driver cannot be configured from a URL")

    def describe(self) -> str:
        """A short, human-readable location of the state, for logs and the CLI."""
        return type(self).__name__

    # Helpers kept for custom backends written against fastapi-maintenance 0.0.5, raising
    # ValueError with its message first.
    @staticmethod
    def _str_to_bool(value: str) -> bool:
        try:
            return parse_bool(value)
        except ValueError as exc:
            raise ValueError(f"state value is not correct: {exc}") from None

    @staticmethod
    def _bool_to_str(value: bool) -> str:
        if value not in (False, True):  # 0 and 1 pass too, as in 0.0.5
            raise ValueError(f"state value is not correct: {value!r} is not a bool")
        return format_bool(value)
