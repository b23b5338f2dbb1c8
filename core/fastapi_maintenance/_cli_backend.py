"""What the commands do with backends, free of any terminal concern."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from . import backends
from ._api import get_maintenance_mode, set_maintenance_mode
from ._backend import BaseStateBackend
from ._cli_options import check_options, check_url_options, driver_options
from ._errors import BackendUnavailableError, MaintenanceError
from ._registry import parse_spec
from ._state import default_backend, default_spec

logger = logging.getLogger("fastapi_maintenance")

T = TypeVar("T")


class ReadOnlyBackendError(MaintenanceError):
    """``on`` or ``off`` was asked of a driver that cannot store a state."""


def open_backend(spec: str | None, options: Mapping[str, str]) -> BaseStateBackend:
    """The backend named by ``--backend`` and the driver options, or the process default.

    Without ``--backend``, options apply to the default driver (``FASTAPI_MAINTENANCE_BACKEND``,
    else ``env``); with no options either, the default backend is used exactly as the app would.
    """
    if spec is None:
        if not options:
            return default_backend()
        spec = default_spec()
    spec = spec.strip()
    name, is_url = parse_spec(spec)
    if is_url:
        check_url_options(spec, options)
    if spec:
        cls = backends.get_backend_class(name)
        check_options(name, driver_options(cls, from_url=is_url), options)
    return backends.create_backend(spec, **options)


async def use_backend(
    backend: BaseStateBackend,
    action: Callable[[BaseStateBackend], Awaitable[T]],
    timeout: float,
) -> T:
    """Start the backend, run ``action`` on it within ``timeout`` seconds, then close it."""

    async def session() -> T:
        await backend.start()
        return await action(backend)

    try:
        return await asyncio.wait_for(session(), timeout)
    except asyncio.TimeoutError:
        raise BackendUnavailableError(
            f"{backend.describe()} did not answer within {timeout:g} s"
        ) from None
    finally:
        try:
            await asyncio.wait_for(backend.aclose(), timeout)
        except Exception as exc:
            logger.warning("closing %s failed: %s", backend.describe(), describe_error(exc))


async def read_state(backend: BaseStateBackend) -> bool:
    """The state as the application would see it."""
    return await get_maintenance_mode(backend)


def switcher(value: bool) -> Callable[[BaseStateBackend], Awaitable[bool]]:
    """An action writing ``value`` and returning the state read back after the write."""

    async def switch(backend: BaseStateBackend) -> bool:
        if backend.read_only:
            raise ReadOnlyBackendError(
                f"cannot switch maintenance mode {'on' if value else 'off'} through "
                f"{backend.describe()}: that driver is read-only. Set the value where it reads "
                "it (for env, the environment variable) before the application starts, "
                "or use a writable backend (`fastapi-maintenance backends` lists them)"
            )
        await set_maintenance_mode(value, backend)
        now = await get_maintenance_mode(backend)
        if now != value:
            raise BackendUnavailableError(
                f"{backend.describe()} still reads {'on' if now else 'off'} after the write"
            )
        return now

    return switch


@dataclass(frozen=True)
class DriverRow:
    """One line of ``fastapi-maintenance backends``."""

    name: str
    distribution: str | None
    version: str | None
    source: str
    supports_url: bool | None
    read_only: bool | None
    error: str | None


def driver_rows() -> list[DriverRow]:
    """Every discovered driver; a driver that fails to load says why instead of hiding the rest."""
    rows = []
    for info in backends.backend_info():
        url = read_only = None
        error = info.error
        if error is None:
            try:
                cls = backends.get_backend_class(info.name)
                url, read_only = cls.supports_url(), bool(cls.read_only)
            except Exception as exc:
                error = describe_error(exc)
        rows.append(
            DriverRow(
                info.name, info.distribution, info.version, info.source, url, read_only, error
            )
        )
    return rows


def describe_error(exc: BaseException) -> str:
    """The message of a package error, or the exception type and message of anything else."""
    if isinstance(exc, MaintenanceError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
