"""Per-request cost of whichever fastapi-maintenance is installed, against a bare app.

``python tools/bench_versions.py LABEL OUTPUT.json`` measures, in this process, one async
JSON route called through ASGI directly: the bare app, the app with the middleware and
maintenance off, and with maintenance on (the 503). It uses only the API that
fastapi-maintenance 0.0.5 already had, so the same script measures 0.0.5 in an environment
of its own; ``nox -s pictures -- --measure`` runs it in both and merges the results into
``docs/images/bench-versions.json``, from which the chart is drawn.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fastapi import FastAPI

#: Requests per sample, and samples per variant (variants take turns, sample by sample).
REQUESTS = 2000
SAMPLES = 15


def build(middleware: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/items")
    async def items() -> dict[str, str]:
        return {"status": "ok"}

    if middleware:
        from fastapi_maintenance import MaintenanceModeMiddleware

        app.add_middleware(MaintenanceModeMiddleware)
    return app


async def sample(app: Any) -> float:
    """Microseconds per request over ``REQUESTS`` requests of ``GET /items``."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/items",
        "raw_path": b"/items",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    request = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: dict[str, Any]) -> None:
        pass

    start = time.perf_counter()
    for _ in range(REQUESTS):
        await app(dict(scope), receive, send)
    return (time.perf_counter() - start) / REQUESTS * 1e6


async def measure() -> dict[str, float]:
    variants = {
        "bare": (build(False), "0"),
        "off": (build(True), "0"),
        "on": (build(True), "1"),
    }
    for app, _ in variants.values():  # start each app: its middleware stack is built lazily
        await sample(app)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(SAMPLES):
        for name, (app, state) in variants.items():
            os.environ["FASTAPI_MAINTENANCE_MODE"] = state
            times[name].append(await sample(app))
    return {name: statistics.median(values) for name, values in times.items()}


def main(label: str, output: Path) -> None:
    result = {
        "label": label,
        "fastapi_maintenance": version("fastapi-maintenance"),
        "fastapi": version("fastapi"),
        "python": platform.python_version(),
        "us_per_request": asyncio.run(measure()),
    }
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
