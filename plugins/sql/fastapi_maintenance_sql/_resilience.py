"""Time limits, reconnection delays and the once-per-outage logging of the follower."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from typing import TypeVar

from fastapi_maintenance.backends import redact_spec

_T = TypeVar("_T")

logger = logging.getLogger("fastapi_maintenance.sql")

FIRST_DELAY = 0.05
#: The most characters of a server's error text a message shows.
MAX_SHOWN = 200


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
    """Doubling delays from :data:`FIRST_DELAY` up to ``cap``, each drawn in its upper half.

    The jitter keeps a fleet of processes from reconnecting to a restarted database in step.
    """

    def __init__(self, cap: float) -> None:
        self.cap = cap
        self._attempt = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, FIRST_DELAY * 2 ** min(self._attempt, 32))
        self._attempt += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self._attempt = 0


class Outage:
    """Logs the first failure of an outage and its end, and nothing in between."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.cause: str | None = None

    def failed(self, exc: BaseException, serving: bool, known: bool) -> None:
        cause = describe_error(exc)
        if self.cause is None:
            logger.error(
                "cannot follow the maintenance state in %s (%s); serving the %s state (%s) "
                "meanwhile",
                self.where,
                cause,
                "last known" if known else "assumed",
                "on" if serving else "off",
            )
        else:
            logger.debug("still cannot follow %s: %s", self.where, cause)
        self.cause = cause

    def recovered(self, value: bool) -> None:
        if self.cause is not None:
            logger.warning(
                "following the maintenance state in %s again; it is %s",
                self.where,
                "on" if value else "off",
            )
            self.cause = None


def describe_error(exc: BaseException) -> str:
    """The error's type and message, safe to print: server text may carry anything, and a
    DB driver's message may quote a connection string."""
    if isinstance(exc, asyncio.TimeoutError | TimeoutError) and not str(exc):
        return "timed out"
    # SQLAlchemy wraps the DB driver's error and appends the statement and a help link.
    original = getattr(exc, "orig", None)
    if isinstance(original, BaseException):
        exc = original
    text = printable(redact_spec(str(exc).strip()))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def printable(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` with control characters escaped (``\\x1b``), cut to ``limit`` characters.

    A server, or anything posing as one, chooses its error text: raw, it could move the
    cursor, clear an operator's screen or forge a line of output.
    """
    shown = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(text)} characters)"
