"""The app a benchmark server runs: ``uvicorn --factory tests.bench._server:create_app``.

The backend comes from ``FASTAPI_MAINTENANCE_BENCH_SPEC``: a driver URL, ``bench:two-method``
for the two-method driver, ``bench:reference`` for the reference middleware; unset or empty
means the bare app.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from ._apps import build_app
from ._stores import TwoMethodBackend

SPEC_VAR = "FASTAPI_MAINTENANCE_BENCH_SPEC"
TWO_METHOD_SPEC = "bench:two-method"
REFERENCE_SPEC = "bench:reference"


def create_app() -> FastAPI:
    spec = os.environ.get(SPEC_VAR) or None
    if spec == REFERENCE_SPEC:
        return build_app(reference=True)
    if spec == TWO_METHOD_SPEC:
        return build_app(backend=TwoMethodBackend())
    return build_app(backend=spec)
