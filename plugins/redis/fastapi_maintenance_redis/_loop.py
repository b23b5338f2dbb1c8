"""The driver runs on asyncio only (redis-py's asyncio client); say so where it cannot."""

from __future__ import annotations

import sys

from fastapi_maintenance import MaintenanceError


class AsyncioRequiredError(MaintenanceError, RuntimeError):
    """The driver was started, or used, outside an asyncio event loop (under trio, say)."""


def needs_asyncio(where: str) -> AsyncioRequiredError:
    """The error for the driver at ``where`` used outside asyncio, naming what runs instead."""
    return AsyncioRequiredError(
        f"the redis driver ({where}) needs an asyncio event loop, and {current_runner()}: "
        "serve the application on asyncio (uvicorn, hypercorn --worker-class asyncio or "
        "uvloop, daphne, granian), or choose another maintenance backend"
    )


def current_runner() -> str:
    """What runs the caller instead of asyncio, in words."""
    trio = sys.modules.get("trio")
    if trio is not None:
        try:
            trio.lowlevel.current_trio_token()
        except RuntimeError:
            pass
        else:
            return "this code runs under trio"
    return "no asyncio event loop is running here (a synchronous caller)"
