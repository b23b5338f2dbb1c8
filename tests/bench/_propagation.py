"""Hands over to the Redis propagation benchmark (``tests.bench.propagation``) when it can run."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
from typing import Any

from ._stores import RedisStore

_MODULE = "tests.bench.propagation"


def run_propagation() -> dict[str, Any]:
    """Run its ``main()``, or print why it is skipped; returns what goes into the JSON report."""
    reason = RedisStore.unavailable()
    if reason is None:
        try:
            module = importlib.import_module(_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name != _MODULE:
                raise
            reason = f"{_MODULE} is not present"
    if reason is not None:
        print(f"\nRedis propagation: skipped ({reason})")
        return {"skipped": reason}
    print("\nRedis propagation:", flush=True)
    argv, sys.argv = sys.argv, [_MODULE]  # its own options stay at their defaults
    try:
        result = module.main()
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    finally:
        sys.argv = argv
    return {"result": result if isinstance(result, (dict, list, int, float, str)) else None}
