"""Hands over to the Redis propagation benchmark (``tests.bench.propagation``) when it can run."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import sys
import traceback
from typing import Any

from ._stores import RedisStore

_MODULE = "tests.bench.propagation"


def _skip_reason() -> str | None:
    reason = RedisStore.unavailable()
    if reason is None and importlib.util.find_spec(_MODULE) is None:
        reason = f"{_MODULE} is not present"
    return reason


def run_propagation() -> dict[str, Any]:
    """Run its ``main()``, or print why it is skipped; returns what goes into the JSON report.

    Its options stay at their defaults: it is given an empty command line.
    """
    reason = _skip_reason()
    if reason is not None:
        print(f"\nRedis propagation: skipped ({reason})")
        return {"skipped": reason}
    print("\nRedis propagation:", flush=True)
    argv, sys.argv = sys.argv, [_MODULE]
    try:
        main = importlib.import_module(_MODULE).main
        result = main([]) if inspect.signature(main).parameters else main()
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    except SystemExit as exc:
        result = exc.code
    except Exception as exc:
        traceback.print_exc()
        return {"error": repr(exc)}
    finally:
        sys.argv = argv
    return {"result": result if isinstance(result, (dict, list, int, float, str)) else None}
