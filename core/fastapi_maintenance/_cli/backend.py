"""What the commands do with backends, free of any terminal concern."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TypeVar

from .._model.backend import BaseStateBackend
from .._model.errors import BackendUnavailableError, InvalidStateError, MaintenanceError
from .._model.model import MaintenanceScope, MaintenanceState
from .._plugins.specs import find_driver
from .._state.api import end_maintenance_scope, set_maintenance_scope, set_maintenance_state
from .._state.state import default_backend, default_spec, state
from .options import FLAGS

logger = logging.getLogger("fastapi_maintenance")

T = TypeVar("T")


class ReadOnlyBackendError(MaintenanceError):
    """``on`` or ``off`` was asked of a driver that cannot store a state, or that stores it
    in this process only (``memory``), where no application would ever see it."""


def open_backend(
    spec: str | None, flags: Mapping[str, str | None], options: Mapping[str, str]
) -> tuple[BaseStateBackend, list[str]]:
    """The backend named by ``--backend`` and the driver options, and notes on ignored flags.

    Without ``--backend`` (or with an empty one, as a deploy script passing an unset variable
    gives), options apply to the default driver (``FASTAPI_MAINTENANCE_BACKEND``, else
    ``env``); with no options either, the default backend is used exactly as the app would.
    A 0.0.5 flag (``--file-path``, ``--var-name``) the driver does not take is left out with
    a note, as 0.0.5 ignored it; any other option goes to the driver, which may refuse it.
    """
    given = {key: value for key, value in flags.items() if value is not None}
    text = (spec or "").strip()
    if not text:
        if not options and not given:
            return default_backend(), []
        text = default_spec()
    target = find_driver(state.registry, text)
    named = target.options().named
    kept, notes = dict(options), []
    for key, value in given.items():
        if target.is_url:
            notes.append(f"{FLAGS[key]} is ignored: the URL names the location itself")
        elif key not in named:
            notes.append(f"{FLAGS[key]} is ignored: the {target.name} driver does not take it")
        else:
            kept[key] = value
    return target.build(kept), notes


async def use_backend(
    backend: BaseStateBackend,
    action: Callable[[BaseStateBackend], Awaitable[T]],
    timeout: float,
) -> T:
    """Run ``action`` on the backend within ``timeout`` seconds, then close it.

    The backend is not started: one read or one write needs no subscription or watcher,
    and a driver reads and writes without ``start()`` (a one-shot read or write).
    """
    try:
        return await asyncio.wait_for(action(backend), timeout)
    except asyncio.TimeoutError:
        raise BackendUnavailableError(
            f"{backend.describe()} did not answer within {timeout:g} s"
        ) from None
    finally:
        try:
            await asyncio.wait_for(backend.aclose(), timeout)
        except Exception as exc:
            logger.warning("closing %s failed: %s", backend.describe(), describe_error(exc))


async def read_state(backend: BaseStateBackend) -> MaintenanceState:
    """The state in the store, read once; a store that cannot be read raises, never guesses."""
    return await backend.get_state()


def reading_notes(backend: BaseStateBackend) -> list[str]:
    """Why a state just read may not be the application's: a store private to this process,
    or a state file whose folder does not exist (so nothing was ever written there)."""
    from ..drivers.file import LocalFileBackend

    if backend.process_local:
        return [
            f"{backend.describe()}: that store lives in one process, so this command read "
            "its own, empty one, never the application's; to read and switch the state from "
            "here, use a store shared between processes (file, redis, sql)"
        ]
    if isinstance(backend, LocalFileBackend):
        folder = os.path.dirname(os.path.abspath(backend.file_path))
        if not os.path.isdir(folder):
            return [
                f"folder {folder} does not exist, so no state was ever written to "
                f"{backend.file_path}: OFF is only what a missing file reads as; check the "
                "path (the application's file_path)"
            ]
    return []


def file_changed_at(backend: BaseStateBackend, state: MaintenanceState) -> datetime | None:
    """When the state file of a ``file`` backend last changed, for a state that carries no
    time of its own (a plain ``1`` or ``0``); ``None`` otherwise or when it cannot be told."""
    from ..drivers.file import LocalFileBackend

    if state.updated_at is not None or not isinstance(backend, LocalFileBackend):
        return None
    try:
        return datetime.fromtimestamp(os.stat(backend.file_path).st_mtime, timezone.utc)
    except (OSError, OverflowError, ValueError):
        return None


def _refuse_unwritable(backend: BaseStateBackend, what: str) -> None:
    """Refuse to ``what`` through a driver no application would see the change of."""
    if backend.read_only:
        raise ReadOnlyBackendError(
            f"cannot {what} through {backend.describe()}: that driver is read-only. Set the "
            "value where it reads it (for env, the environment variable) before the "
            "application starts, or use a writable backend (`fastapi-maintenance backends` "
            "lists them)"
        )
    if backend.process_local:
        raise ReadOnlyBackendError(
            f"cannot {what} through {backend.describe()}: that store lives in one process and "
            "ends with this command, so no application would see the change. Use a store "
            "shared between processes (file, redis, sql; `fastapi-maintenance backends` lists "
            "them)"
        )


async def _stored_scopes(backend: BaseStateBackend) -> tuple[MaintenanceScope, ...]:
    """The scopes the store holds now, read before the global switch rewrites the state.

    A driver storing only on and off holds none, and is not read. A store holding something
    that is not a state holds none either: the switch replaces it, as it always did.
    """
    if not backend.stores_details:
        return ()
    try:
        return (await backend.get_state()).scopes
    except InvalidStateError:
        return ()


@dataclass(frozen=True)
class Switched:
    """The state read back after a write, and the scopes the write ended."""

    state: MaintenanceState
    ended: tuple[str, ...] = ()


def switcher(
    new: MaintenanceState, *, operator: str | None = None
) -> Callable[[BaseStateBackend], Awaitable[Switched]]:
    """An action writing the global switch ``new`` and reading the state back.

    Switching on keeps the stored scopes (signed by ``operator`` when ``new`` names nobody,
    since the state is then more than on or off); switching off ends them all. A driver that
    cannot keep what ``new`` says (a message, a window or read-only on a driver storing only
    on and off) refuses it before anything is written.
    """

    async def switch(backend: BaseStateBackend) -> Switched:
        _refuse_unwritable(backend, f"switch maintenance mode {'on' if new.on else 'off'}")
        scopes = await _stored_scopes(backend)
        written = new
        if new.on and scopes:
            written = replace(new, scopes=scopes)
            if written.updated_by is None and operator is not None:
                written = replace(written, updated_by=operator)
        await set_maintenance_state(written, backend)
        now = await backend.get_state()
        if now.on != new.on:
            raise BackendUnavailableError(
                f"{backend.describe()} still reads {'on' if now.on else 'off'} after the write"
            )
        ended = () if new.on else tuple(scope.name for scope in scopes)
        return Switched(now, ended)

    return switch


def scope_setter(scope: MaintenanceScope) -> Callable[[BaseStateBackend], Awaitable[Switched]]:
    """An action creating or replacing ``scope`` and reading the state back."""

    async def put(backend: BaseStateBackend) -> Switched:
        _refuse_unwritable(backend, f"set scope {scope.name!r}")
        await set_maintenance_scope(scope, backend)
        now = await backend.get_state()
        if now.scope_named(scope.name) is None:
            raise BackendUnavailableError(
                f"{backend.describe()} holds no scope {scope.name!r} after the write"
            )
        return Switched(now)

    return put


class NoSuchScopeError(MaintenanceError):
    """``off --scope NAME`` named a scope the store does not hold."""


def scope_ender(name: str) -> Callable[[BaseStateBackend], Awaitable[Switched]]:
    """An action ending the scope ``name`` and reading the state back; a store holding no
    such scope is left as it is, and the action fails saying which scopes it holds."""

    async def end(backend: BaseStateBackend) -> Switched:
        _refuse_unwritable(backend, f"end scope {name!r}")
        if not await end_maintenance_scope(name, backend):
            held = [scope.name for scope in (await backend.get_state()).scopes]
            listed = f"it holds {', '.join(held)}" if held else "it holds none"
            raise NoSuchScopeError(f"no scope named {name!r} in {backend.describe()}; {listed}")
        now = await backend.get_state()
        if now.scope_named(name) is not None:
            raise BackendUnavailableError(
                f"{backend.describe()} still holds scope {name!r} after the write"
            )
        return Switched(now, (name,))

    return end


@dataclass(frozen=True)
class DriverRow:
    """One line of ``fastapi-maintenance backends``."""

    name: str
    distribution: str | None
    version: str | None
    source: str
    supports_url: bool | None
    read_only: bool | None
    #: Whether the driver stores the whole state (message, window, read-only, who and when).
    stores_details: bool | None
    error: str | None
    #: Why the driver loads but cannot work here (a client library is missing, say).
    unusable: str | None = None
    #: Whether its store lives in one process (``memory``), out of this command's reach.
    process_local: bool | None = None


def driver_rows() -> list[DriverRow]:
    """Every discovered driver; a driver that fails to load says why instead of hiding the rest."""
    rows = []
    for info in state.registry.info():
        url = read_only = details = unusable = local = None
        error = info.error
        if error is None:
            try:
                cls = state.registry.get(info.name)
                url, read_only = cls.supports_url(), bool(cls.read_only)
                details = bool(cls.stores_details)
                local = bool(cls.process_local)
                unusable = cls.unusable(info.name)
            except Exception as exc:
                error = describe_error(exc)
        rows.append(
            DriverRow(
                info.name,
                info.distribution,
                info.version,
                info.source,
                url,
                read_only,
                details,
                error,
                unusable,
                local,
            )
        )
    return rows


def describe_error(exc: BaseException) -> str:
    """The message of a package error, or the exception type and message of anything else."""
    if isinstance(exc, MaintenanceError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
