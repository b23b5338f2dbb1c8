"""The app the multi-process tests serve; its backend is FASTAPI_MAINTENANCE_BACKEND."""

from __future__ import annotations

import os

from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware

app = FastAPI()
app.add_middleware(MaintenanceModeMiddleware)


@app.get("/")
async def index() -> dict[str, int]:
    return {"pid": os.getpid()}
