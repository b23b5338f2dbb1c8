"""Reading the state from a driver that keeps no cache, within a timeout, on the last known
state when it fails; each outage and recovery logged once."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any

import anyio

from .._model.backend import BaseStateBackend
from .._model.errors import MaintenanceError
from .._model.model import OFF, MaintenanceState
from .._state.state import default_backend
from .._support.logonce import Problems
from .._support.redact import redact
from .loops import running_loop

__all__ = ["UNUSABLE", "StateReader"]

#: A read being stepped by hand: a coroutine, or what an awaitable's ``__await__`` gives.
_Steps = Coroutine[Any, Any, Any] | Generator[Any, Any, Any]
_COROUTINE = types.CoroutineType


class StateReader:
    """The reads of one middleware, and what they last gave."""

    def __init__(self, timeout: float, problems: Problems) -> None:
        self.timeout = timeout
        self._problems = problems
        #: The value the last read of ``get_value`` gave, assumed while reads fail.
        self.last_known: bool | None = None
        self._last_state: MaintenanceState = OFF
        #: ``id()`` of the backends whose last read failed, to log their recovery once.
        self.unreadable: set[int] = set()
        #: The backend last found to read at once (``reads_at_once``).
        self.at_once: BaseStateBackend | None = None

    def value(self, backend: BaseStateBackend) -> bool | Awaitable[bool]:
        """Ask ``get_value()``; on failure the last known value.

        The answer itself if the read answers without suspending (a driver keeping its
        state in memory): it is never timed, since arming a timer would cost several times
        the read, nor awaited. Else an awaitable finishing the read, timed from there.
        """
        try:
            read = backend.get_value()
            steps = read if type(read) is _COROUTINE else read.__await__()
            if running_loop() is None:
                return self._finish(backend, _within_scope(steps, self.timeout))
            try:
                suspended = steps.send(None)
            except StopIteration as done:
                value = bool(done.value)
            else:
                return self._finish(backend, _resume_within(steps, suspended, self.timeout))
        except Exception as exc:
            return self.value_failed(backend, exc)
        # Checked on every read, so the common case is an empty set, not a formatted key.
        if self.unreadable and id(backend) in self.unreadable:
            self.answers_again(backend)
        self.last_known = value
        return value

    def reads_at_once(self, backend: BaseStateBackend) -> bool:
        """Whether ``backend``'s ``get_value`` awaits nothing (its class's, not one set on the
        instance), so it can be awaited as it is: it cannot wait, no timeout applies to it,
        and stepping it by hand would cost more than the read. Remembered in ``at_once``."""
        if not backend._reads_at_once or "get_value" in getattr(backend, "__dict__", {}):
            return False
        self.at_once = backend
        return True

    async def _finish(self, backend: BaseStateBackend, reading: Awaitable[Any]) -> bool:
        try:
            value = bool(await reading)
        except Exception as exc:
            return self.value_failed(backend, exc)
        return self._value_read(backend, value)

    def _value_read(self, backend: BaseStateBackend, value: bool) -> bool:
        # Checked on every read, so the common case is an empty set, not a formatted key.
        if self.unreadable and id(backend) in self.unreadable:
            self.answers_again(backend)
        self.last_known = value
        return value

    def value_failed(self, backend: BaseStateBackend, exc: Exception) -> bool:
        """A read of ``get_value`` failed: logged once per outage; the last known value."""
        assumed = bool(self.last_known)
        self._failed(backend, exc, assumed)
        return assumed

    async def state(self, backend: BaseStateBackend) -> MaintenanceState:
        """Ask ``get_state()`` within the timeout; on failure the last known state."""
        try:
            value = await self._within(backend.get_state())
            if not isinstance(value, MaintenanceState):
                raise TypeError(f"get_state() returned {type(value).__name__}")
        except Exception as exc:
            assumed = self._last_state
            self._failed(backend, exc, assumed.on)
            return assumed
        if self.unreadable and id(backend) in self.unreadable:
            self.answers_again(backend)
        self._last_state = value
        return value

    def cache_failed(
        self, backend: BaseStateBackend, exc: Exception, method: str = "cached_value"
    ) -> None:
        """A driver broke the ``cached_value``/``cached_state`` contract: fall back to a read."""
        read = "get_state" if method == "cached_state" else "get_value"
        self._problems.report(
            f"cache:{id(backend)}",
            "%s() of %s raised %r; reading the state with %s() instead",
            method,
            backend.describe(),
            exc,
            read,
        )

    def default_backend(self) -> BaseStateBackend:
        """The default backend, or, if it cannot be built, one that answers on.

        Startup already refuses a broken default; this covers servers run without lifespan.
        """
        try:
            return default_backend()
        except MaintenanceError as exc:
            self._problems.report(
                "default-backend",
                "cannot build the default maintenance backend (%s); maintenance mode counts as "
                "on until it is fixed",
                redact(str(exc)),
            )
            return UNUSABLE

    async def _within(self, read: Any) -> Any:
        """Await a read within the timeout, stepped once by hand as ``value`` does."""
        steps = read if type(read) is _COROUTINE else read.__await__()
        if running_loop() is None:
            return await _within_scope(steps, self.timeout)
        try:
            suspended = steps.send(None)
        except StopIteration as done:
            return done.value
        return await _resume_within(steps, suspended, self.timeout)

    def _failed(self, backend: BaseStateBackend, exc: Exception, assumed: bool) -> None:
        """Log, once per outage, that the state cannot be read and what is assumed."""
        cause = "timed out" if isinstance(exc, TimeoutError) else repr(exc)
        self.unreadable.add(id(backend))
        self._problems.report(
            f"state:{id(backend)}",
            "cannot read maintenance state from %s (%s); assuming %s until it answers",
            backend.describe(),
            cause,
            "on" if assumed else "off",
        )

    def answers_again(self, backend: BaseStateBackend) -> None:
        """Log, once, that a backend whose reads failed answers again."""
        self.unreadable.discard(id(backend))
        self._problems.resolved(
            f"state:{id(backend)}",
            "maintenance state from %s is readable again",
            backend.describe(),
        )


class _Unusable(BaseStateBackend):
    """Stands in for a default backend that cannot be built: maintenance counts as on."""

    read_only = True

    def cached_value(self) -> bool:
        return True

    async def get_value(self) -> bool:
        return True

    async def set_value(self, value: bool) -> None:
        return None

    def describe(self) -> str:
        return "no usable backend"


UNUSABLE = _Unusable()


async def _resume_within(steps: _Steps, suspended: Any, seconds: float) -> Any:
    """Finish an asyncio read that suspended, raising ``TimeoutError`` after ``seconds``.

    Like ``asyncio.timeout``, but armed after the read started: a timer, not a scope, so
    cancel scopes the read itself opened stay properly nested.
    """
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - awaited outside any task
        raise RuntimeError("maintenance state read outside an asyncio task")
    cancelling = _cancelling(task)
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await _resume(steps, suspended)
    except asyncio.CancelledError:
        if expired:
            expired = False
            if _uncancel(task) <= cancelling:
                raise TimeoutError from None
        raise
    finally:
        timer.cancel()
        if expired:  # the read turned its cancellation into an answer or another error
            _uncancel(task)


async def _within_scope(steps: _Steps, seconds: float) -> Any:
    """Await a read under trio (or another anyio backend): in a cancel scope that is opened
    before the read starts, so it encloses the read's own scopes, and given a deadline only
    when the read suspends."""
    with anyio.CancelScope() as scope:
        try:
            suspended = steps.send(None)
        except StopIteration as done:
            return done.value
        scope.deadline = anyio.current_time() + seconds
        return await _resume(steps, suspended)
    raise TimeoutError


@types.coroutine
def _resume(steps: _Steps, suspended: Any) -> Generator[Any, Any, Any]:
    """Go on with a read stepped once by hand, which yielded ``suspended`` to the event loop.

    What the event loop sends or throws in is passed on to the read, as ``await`` would.
    """
    while True:
        try:
            sent = yield suspended
        except GeneratorExit:
            steps.close()
            raise
        except BaseException as exc:  # a cancellation, or anything else thrown in
            try:
                suspended = steps.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                suspended = steps.send(sent)
            except StopIteration as done:
                return done.value


def _cancelling(task: asyncio.Task[Any]) -> int:
    """Pending cancellation requests of ``task`` (Python 3.11+; 0 before)."""
    counter = getattr(task, "cancelling", None)
    return counter() if counter is not None else 0


def _uncancel(task: asyncio.Task[Any]) -> int:
    """Withdraw one cancellation request; what is left (Python 3.11+; 0 before)."""
    withdraw = getattr(task, "uncancel", None)
    return withdraw() if withdraw is not None else 0
