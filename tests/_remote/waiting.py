"""Bounded waits that stretch with the load of the machine, so a guard against a hang never
fails a test on a busy one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

import pytest


def patience(seconds: float) -> float:
    """``seconds`` stretched by the load of the machine (runnable processes per core, when
    above one): a bound that only guards against a hang must not fail on a busy machine."""
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):  # no load average on this platform
        load = 1.0
    return seconds * max(1.0, load)


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds, stretched
    by :func:`patience`."""
    loop = asyncio.get_running_loop()
    allowed = patience(timeout)
    deadline = loop.time() + allowed
    while not predicate():
        if loop.time() > deadline:
            pytest.fail(f"still false after {allowed:.1f}s: {predicate.__doc__ or predicate}")
        await asyncio.sleep(0.01)
