"""Which event loop runs the code: asyncio, trio, or none (the app being built at import)."""

from __future__ import annotations

import asyncio
import sys

__all__ = ["in_event_loop", "on_trio", "running_loop"]

#: The running asyncio loop, ``None`` under trio; a C function, cheap on every read.
running_loop = asyncio._get_running_loop


def on_trio() -> bool:
    """Whether this code runs in a trio event loop (trio is never imported for the check)."""
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


def in_event_loop() -> bool:
    """Whether an event loop runs this code: a server is building the app's middleware."""
    return running_loop() is not None or on_trio()
