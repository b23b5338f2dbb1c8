"""What a coroutine function's code says about it: whether it can ever suspend."""

from __future__ import annotations

import dis
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["never_suspends"]

#: The instructions through which a coroutine can hand control back to the event loop.
_SUSPENDING = frozenset(
    {
        "GET_AWAITABLE",
        "GET_AITER",
        "GET_ANEXT",
        "BEFORE_ASYNC_WITH",
        "SETUP_ASYNC_WITH",
        "END_ASYNC_FOR",
        "SEND",
        "YIELD_VALUE",
        "YIELD_FROM",
    }
)


def never_suspends(function: Callable[..., Any]) -> bool:
    """Whether ``function`` is a coroutine function whose code awaits nothing: awaiting what
    it returns finishes at once, so no timeout could ever apply to it (a call that blocks
    would block the event loop's timers too). ``False`` when in doubt: a wrapper, a
    function with nested asynchronous code, anything but a plain ``async def``."""
    if not inspect.iscoroutinefunction(function) or hasattr(function, "__wrapped__"):
        return False
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    if any(inspect.iscode(const) for const in code.co_consts):
        return False  # a nested function or comprehension: not worth reading through
    return not any(instruction.opname in _SUSPENDING for instruction in dis.get_instructions(code))
