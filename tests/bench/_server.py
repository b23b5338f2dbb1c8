"""The app a benchmark server runs: ``uvicorn --factory tests.bench._server:create_app``.

The backend comes from ``FASTAPI_MAINTENANCE_BENCH_SPEC`` (a driver URL); unset or empty
means the bare app.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from ._apps import build_app

SPEC_VAR = "FASTAPI_MAINTENANCE_BENCH_SPEC"


def create_app() -> FastAPI:
    return build_app(backend=os.environ.get(SPEC_VAR) or None)
