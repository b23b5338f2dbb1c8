"""The contract every state driver implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from ._errors import BackendConfigError
from ._values import format_bool, parse_bool


class BaseStateBackend(ABC):
    """Where the maintenance state lives.

    A driver needs only :meth:`get_value` and :meth:`set_value`. Everything else is an
    optional capability with a safe default, so a two-method driver written for
    fastapi-maintenance 0.0.5 stays valid.
    """

    #: The driver cannot store a state (the env driver): writes are refused or ignored.
    read_only: ClassVar[bool] = False
    #: The driver pushes changes through :meth:`changes`.
    supports_changes: ClassVar[bool] = False

    @abstractmethod
    async def get_value(self) -> bool:
        """Return the current maintenance state from the store."""

    @abstractmethod
    async def set_value(self, value: bool) -> None:
        """Store a new maintenance state."""

    def cached_value(self) -> bool | None:
        """The state as last seen, without I/O, or ``None`` if the driver keeps no cache.

        The middleware calls this on every request; a driver that can answer from memory
        spares each request an ``await`` of :meth:`get_value`. It must never block or raise.
        """
        return None

    async def start(self) -> None:  # noqa: B027 - optional capability
        """Open connections and prime caches; called once when the application starts."""

    async def aclose(self) -> None:  # noqa: B027 - optional capability
        """Release connections and background tasks; called when the application stops."""

    def changes(self) -> AsyncIterator[bool]:
        """Yield each new state as the store reports it (drivers with ``supports_changes``)."""
        raise NotImplementedError(f"{type(self).__name__} does not publish state changes")

    @classmethod
    def supports_url(cls) -> bool:
        """Whether the driver overrides :meth:`from_url`."""
        return cls.from_url.__func__ is not BaseStateBackend.from_url.__func__  # type: ignore[attr-defined]

    @classmethod
    def from_url(cls, url: str, **options: Any) -> BaseStateBackend:
        """Build a backend from a URL whose scheme is the driver's name."""
        raise BackendConfigError(f"the {cls.__name__} driver cannot be configured from a URL")

    def describe(self) -> str:
        """A short, human-readable location of the state, for logs and the CLI."""
        return type(self).__name__

    # Helpers kept for custom backends written against fastapi-maintenance 0.0.5.
    @staticmethod
    def _str_to_bool(value: str) -> bool:
        return parse_bool(value)

    @staticmethod
    def _bool_to_str(value: bool) -> str:
        return format_bool(value)
