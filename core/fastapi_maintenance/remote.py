"""Tools for drivers whose store is remote: time limits, reconnection delays, outage logging,
and ``RemoteBackend``, the lifecycle such a driver shares.

A driver that follows a server (a database, a cache, a broker) from a background task
meets the same questions: how long to wait for an answer, how soon to reconnect, how to
report an outage once rather than once a second, and how to show a server's error text
without letting it forge an operator's screen. This module answers them, so every such
driver keeps the rules of the house the same way:

    from fastapi_maintenance.remote import Backoff, Outage, bounded

    outage = Outage("redis://cache:6379/0", "my_plugin")
    backoff = Backoff(cap=30.0)
    try:
        value = await bounded(read_state(), seconds=2.0)
    except Exception as exc:
        outage.failed(exc, serving=last_value, known=True)
        await asyncio.sleep(backoff.next_delay())
    else:
        outage.recovered(value)
        backoff.reset()

Messages built here pass through ``redact_spec``, so a
password quoted by a server or a client library never reaches the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import weakref
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import ClassVar, Generic, TypeVar

from ._model.backend import BaseStateBackend
from ._model.errors import BackendConfigError, BackendUnavailableError, InvalidStateError
from ._model.model import MaintenanceState
from ._model.values import parse_bool
from ._support.redact import redact as redact_spec

__all__ = [
    "FIRST_DELAY",
    "HINT_INTERVAL",
    "MAX_SHOWN",
    "Backoff",
    "HintedReads",
    "Outage",
    "RemoteBackend",
    "StateCache",
    "Throttled",
    "bounded",
    "describe_error",
    "option_flag",
    "option_text",
    "printable",
]

_T = TypeVar("_T")
_C = TypeVar("_C")

#: The first delay, in seconds, of a ``Backoff``.
FIRST_DELAY = 0.05
#: The most characters of a server's error text a message shows.
MAX_SHOWN = 200
#: The least time, in seconds, between two reads a ``HintedReads`` lets hints cause.
HINT_INTERVAL = 0.1


def _logger(logger: logging.Logger | str) -> logging.Logger:
    return logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)


async def bounded(awaitable: Awaitable[_T], seconds: float) -> _T:
    """``awaitable``'s result, or ``asyncio.TimeoutError`` after ``seconds``.

    Unlike ``asyncio.wait_for`` before Python 3.12, a cancellation that arrives just as
    the awaitable finishes is never lost, so a background task always stops when told.
    """
    task = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        await asyncio.wait({task})
        raise
    if not done:
        task.cancel()
        await asyncio.wait({task})
        raise asyncio.TimeoutError()
    return task.result()


class Backoff:
    """Doubling delays from ``first`` (``FIRST_DELAY``) up to ``cap``, each drawn in its
    upper half.

    The jitter keeps a fleet of processes from reconnecting to a restarted server in step.
    Call ``reset`` once a connection works again.
    """

    def __init__(self, cap: float, first: float = FIRST_DELAY) -> None:
        self.cap = cap
        self.first = first
        self._attempt = 0

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt."""
        ceiling = min(self.cap, self.first * 2 ** min(self._attempt, 32))
        self._attempt += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        """Start again from the first delay."""
        self._attempt = 0


class Throttled:
    """A warning logged to ``logger`` (a logger or its name) at most once per ``interval``
    seconds, counting the ones held back.

    For an event that may repeat quickly while the store stays reachable, such as a
    dropped notification: the log shows that it happens and how often, not each one.
    """

    def __init__(self, interval: float, logger: logging.Logger | str) -> None:
        self.interval = interval
        self.logger = _logger(logger)
        self._last: float | None = None
        self._held = 0

    def warn(self, message: str, *args: object) -> None:
        """Log ``message % args`` as a warning, unless one was logged less than
        ``interval`` seconds ago."""
        now = time.monotonic()
        if self._last is not None and now - self._last < self.interval:
            self._held += 1
            return
        if self._held:
            message, args = f"{message} (and %d more since the last report)", (*args, self._held)
        self.logger.warning(message, *args)
        self._last, self._held = now, 0


class HintedReads:
    """When a follower reads its store because of hints (messages saying the state changed).

    Whoever may send a hint may send a flood of them: hints are never trusted, and must not
    make a follower read back to back. The first hint after a quiet period is read at once,
    so a change arrives without delay; hints arriving less than ``interval`` seconds
    (``HINT_INTERVAL``) after the last hinted read collapse into one read when the
    interval is over, so the last change is never missed. A follower that awaits each read
    before it looks at the next hint (one read in flight) thus reads at most once per
    ``interval`` because of hints, however many arrive:

        hints = HintedReads()
        while True:
            if await wait_for_hint(timeout=hints.wait(until_resync)):
                hints.hint()
            if hints.take():
                await read_store()
    """

    def __init__(
        self, interval: float = HINT_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._last: float | None = None
        self._pending = False

    def hint(self) -> None:
        """A hint arrived: read when ``take`` says so."""
        self._pending = True

    def wait(self, limit: float) -> float:
        """Seconds to wait for the next hint: ``limit``, or less when a read falls due first."""
        if not self._pending or self._last is None:
            return limit
        return max(0.0, min(limit, self._last + self.interval - self._clock()))

    def take(self) -> bool:
        """Whether to read now because of hints; if so, the read counts as started."""
        now = self._clock()
        if not self._pending or (self._last is not None and now < self._last + self.interval):
            return False
        self._pending, self._last = False, now
        return True

    def covered(self) -> None:
        """Another read (a resync, a reconnection) starts: it covers the hints so far."""
        self._pending = False


class Outage:
    """Logs, to ``logger`` (a logger or its name), the first failure of an outage of the
    store at ``where`` and its end, and nothing in between but debug lines.

    ``where`` names the store as an operator knows it, usually the backend's
    ``describe()``, already free of passwords.
    """

    def __init__(self, where: str, logger: logging.Logger | str) -> None:
        self.where = where
        self.logger = _logger(logger)
        #: The cause of the current outage, as ``describe_error`` shows it; ``None``
        #: while the store is followed.
        self.cause: str | None = None

    def failed(self, exc: BaseException, serving: bool, known: bool) -> None:
        """Report that the store could not be read because of ``exc``, while the process
        serves ``serving``: the last known state if ``known``, else an assumed one."""
        cause = describe_error(exc)
        if self.cause is None:
            self.logger.error(
                "cannot follow the maintenance state in %s (%s); serving the %s state (%s) "
                "meanwhile",
                self.where,
                cause,
                "last known" if known else "assumed",
                "on" if serving else "off",
            )
        else:
            self.logger.debug("still cannot follow %s: %s", self.where, cause)
        self.cause = cause

    def recovered(self, value: bool) -> None:
        """Report that the store is followed again and holds ``value``, if it was not."""
        if self.cause is not None:
            self.logger.warning(
                "following the maintenance state in %s again; it is %s",
                self.where,
                "on" if value else "off",
            )
            self.cause = None


def describe_error(exc: BaseException) -> str:
    """The error's type and message, safe to print.

    A server's text may carry anything, and a client library's may quote a connection
    string: the text is redacted with ``redact_spec``
    and made ``printable``. An error wrapping the client library's own under an
    ``orig`` attribute (as SQLAlchemy's do, appending the statement and a help link) is
    described by the one it wraps.
    """
    original = getattr(exc, "orig", None)
    if isinstance(original, BaseException):
        exc = original
    if isinstance(exc, asyncio.TimeoutError | TimeoutError) and not str(exc):
        return "timed out"
    text = printable(redact_spec(str(exc).strip()))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def option_text(option: str, value: object) -> str:
    """A driver option naming something (a key, a channel, a table): a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise BackendConfigError(f"{option} must be a non-empty string, got {value!r}")
    return value


def option_flag(option: str, value: object) -> bool:
    """A driver option that is on or off: a bool, or a URL query's text (``on``, ``0``...)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return parse_bool(value)
        except ValueError as exc:
            raise BackendConfigError(f"{option}: {exc}") from None
    raise BackendConfigError(f"{option} must be a bool or a string such as on/off, got {value!r}")


def printable(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` with control characters escaped (``\\x1b``), cut to ``limit`` characters.

    A server, or anything posing as one, chooses its error text: raw, it could move the
    cursor, clear an operator's screen or forge a line of output.
    """
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(text)} characters)"


class StateCache:
    """The last state seen, with its version; ``assume`` until anything is known.

    A pushed change or this process's own write is taken only if its version is newer than
    the one held. A read is taken if it is not older, or if nothing else was taken while it
    was in flight (so a store that lost its data, or whose versions started over, is still
    followed). A state equal
    to the one held keeps the object held, so requests see the same object until the
    state really changes.
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
        """A pushed change, or this process's own write."""
        if version > self.version:
            self._take(state, version)

    def mark(self) -> int:
        """Call before a read; pass the result to ``offer_read``."""
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


class RemoteBackend(BaseStateBackend, Generic[_C]):
    """A driver whose store is a server followed by a background task (the change feed);
    ``_C`` is the type of the client its reads and writes take.

    Requests never wait on the server: ``cached_state`` and ``cached_value`` answer
    from a ``StateCache`` the change feed keeps current, and start the feed on the first
    request of an application that sends no lifespan events. ``start`` waits up to
    ``timeout`` for the first read; ``aclose`` stops the feed. ``get_state`` and
    ``set_state`` run within ``timeout`` on the best client at hand, and report the
    store's failures as ``fastapi_maintenance.BackendUnavailableError``. It runs on
    asyncio only.

    A driver brings its store's reads and writes (``_read``, ``_write``, and
    ``_connect`` for a client of their own) and its change feed (``_follow``).
    """

    supports_changes: ClassVar[bool] = True
    stores_details: ClassVar[bool] = True
    #: What the store's client raises when the server is down, slow or refuses a call: reads
    #: and writes report it as ``BackendUnavailableError``.
    _failures: ClassVar[tuple[type[BaseException], ...]] = (OSError, asyncio.TimeoutError)
    #: Whether reads and writes take turns, one at a time per event loop (a driver opening a
    #: connection for each keeps the number it opens at once down to one).
    _calls_take_turns: ClassVar[bool] = False

    def __init__(self, *, assume: bool, timeout: float, logger: logging.Logger | str) -> None:
        self._timeout = timeout
        self._logger = _logger(logger)
        self._cache = StateCache(assume)
        self._task: asyncio.Task[None] | None = None
        #: The event loop the change feed runs in, once started.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = asyncio.Event()
        self._closed = False
        self._warned_no_loop = False
        self._turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    # what a driver brings -------------------------------------------------------------

    @abstractmethod
    async def _follow(self, ready: asyncio.Event) -> None:
        """The change feed: keep ``self._cache`` current until cancelled, reconnecting after
        a failure; set ``ready`` once the first read succeeded or failed."""

    @abstractmethod
    def _connect(self) -> AbstractAsyncContextManager[_C]:
        """A client for one read or write alone, closed on exit."""

    @abstractmethod
    async def _read(self, client: _C) -> MaintenanceState:
        """The state in the store; ``InvalidStateError`` if what it holds is no state."""

    @abstractmethod
    async def _write(self, client: _C, state: MaintenanceState) -> int:
        """Store ``state`` and announce it to the other processes; the version written."""

    def _client_at_hand(self, loop: asyncio.AbstractEventLoop) -> _C | None:
        """A client already open for ``loop`` to read or write with (the application's, or
        the change feed's), or ``None`` to open one with ``_connect``."""
        return None

    def _needs_asyncio(self) -> RuntimeError:
        """The error raised where no asyncio event loop runs (under trio, say)."""
        return RuntimeError(f"{self.describe()} needs an asyncio event loop")

    async def _release(self) -> None:
        """Close what the driver holds for its lifetime (an engine, a pool), once the change
        feed has stopped."""

    # the hot path ---------------------------------------------------------------------

    def cached_state(self) -> MaintenanceState:
        """The state this process follows, the same object until it changes."""
        task = self._task
        if task is None or task.done():
            self._start_soon()
        return self._cache.serving()

    def cached_value(self) -> bool:
        """Whether the state this process follows is active now (a window counts)."""
        task = self._task
        if task is None or task.done():
            self._start_soon()
        untimed = self._cache.untimed
        return self._cache.serving().active_at(time.time()) if untimed is None else untimed

    # lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Follow the state in the background; wait up to ``timeout`` for the first read.

        Raises ``_needs_asyncio``'s error outside an asyncio event loop (the driver
        cannot follow).
        """
        self._launch(self._running_loop())
        if not self._ready.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await bounded(self._ready.wait(), self._timeout)

    def _start_soon(self) -> None:
        """Start without waiting, for an application that sends no lifespan events."""
        if self._closed:
            return
        try:
            loop = self._running_loop()
        except RuntimeError as exc:
            if not self._warned_no_loop:
                self._warned_no_loop = True
                self._logger.error(
                    "cannot follow the maintenance state: %s; serving the %s state (%s) "
                    "from this caller",
                    exc,
                    "last known" if self._cache.known else "assumed",
                    "on" if self._cache.serving_on() else "off",
                )
            return
        self._launch(loop)

    def _launch(self, loop: asyncio.AbstractEventLoop) -> None:
        task = self._task
        if task is not None and not task.done() and self._loop is loop:
            return
        self._closed = False
        self._loop = loop
        self._ready = asyncio.Event()
        self._task = loop.create_task(self._follow(self._ready))

    async def aclose(self) -> None:
        """Stop the background task and close the connections the driver opened."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            loop = task.get_loop()
            if loop is _current_loop():
                task.cancel()
                await asyncio.wait([task])
            elif not loop.is_closed():  # started in another thread's event loop
                loop.call_soon_threadsafe(task.cancel)
        self._cache.end_listeners()
        await self._release()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The running asyncio event loop; ``_needs_asyncio``'s error where none runs."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            raise self._needs_asyncio() from None

    # reading and writing --------------------------------------------------------------

    async def get_state(self) -> MaintenanceState:
        """Read the store; ``InvalidStateError`` if it holds no state,
        ``BackendUnavailableError`` if it cannot be read within ``timeout``."""
        try:
            state = await self._call(self._read)
        except InvalidStateError as exc:
            raise InvalidStateError(f"cannot read {self.describe()}: {exc}") from None
        except self._failures as exc:
            raise BackendUnavailableError(
                f"cannot read the maintenance state from {self.describe()}: {describe_error(exc)}"
            ) from exc
        return state

    async def get_value(self) -> bool:
        """Whether the state in the store is active now; raises as ``get_state`` does."""
        return (await self.get_state()).is_active()

    async def set_value(self, value: bool) -> None:
        """Write a plain ``1`` or ``0``, as ``set_state`` does."""
        await self.set_state(MaintenanceState(on=bool(value)))

    async def set_state(self, state: MaintenanceState) -> None:
        """Write the state and announce it to every process; ``BackendUnavailableError`` if
        that fails or takes longer than ``timeout``."""
        try:
            version = await self._call(lambda client: self._write(client, state))
        except self._failures as exc:
            raise BackendUnavailableError(
                f"cannot write the maintenance state to {self.describe()}: {describe_error(exc)}"
            ) from exc
        self._cache.offer(state, version)

    async def changes(self) -> AsyncIterator[bool]:
        """Each change of the state this process serves, until ``aclose``."""
        queue = self._cache.listen()
        try:
            await self.start()
            while (value := await queue.get()) is not None:
                yield value
        finally:
            self._cache.unlisten(queue)

    async def _call(self, action: Callable[[_C], Awaitable[_T]]) -> _T:
        """Run ``action`` within ``timeout`` on the best client at hand: one already open
        (``_client_at_hand``), else one opened for this call alone (a command line or
        script that never starts the backend). Calls wait for their turn first, if they take
        turns."""
        loop = self._running_loop()
        if not self._calls_take_turns:
            return await bounded(self._on_client(action, loop), self._timeout)
        turn = self._turns.get(loop)
        if turn is None:
            turn = self._turns[loop] = asyncio.Semaphore(1)
        async with turn:
            return await bounded(self._on_client(action, loop), self._timeout)

    async def _on_client(
        self, action: Callable[[_C], Awaitable[_T]], loop: asyncio.AbstractEventLoop
    ) -> _T:
        client = self._client_at_hand(loop)
        if client is not None:
            return await action(client)
        async with self._connect() as own:
            return await action(own)


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
