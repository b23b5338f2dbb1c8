"""A small API that starts in maintenance mode.

Run it with ``python docs/examples/demo.py`` and open http://127.0.0.1:8000/. The state
lives in a file (the ``file`` driver), so the CLI in another terminal flips it for the
running server:

    fastapi-maintenance off --backend file --file-path <the path printed at start-up>
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    get_maintenance_mode,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import LocalFileBackend

STATE_FILE = os.environ.get(
    "DEMO_STATE_FILE", os.path.join(tempfile.gettempdir(), "fastapi-maintenance-demo.state")
)
HOST = os.environ.get("DEMO_HOST", "127.0.0.1")
PORT = int(os.environ.get("DEMO_PORT", "8000"))

backend = LocalFileBackend(STATE_FILE)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await set_maintenance_mode(True, backend)
    base = f"http://{HOST}:{PORT}"
    print(
        "\nThe demo API is in maintenance mode.\n"
        f"  curl -i {base}/items                   -> 503, JSON body, Retry-After\n"
        f"  open {base}/items in a browser         -> a maintenance page\n"
        f"  curl -i {base}/health                  -> 200 (forced off)\n"
        f"  curl -X POST {base}/admin/maintenance/off  -> switch it off from an admin route\n"
        f"  fastapi-maintenance status --backend file --file-path {STATE_FILE}\n"
        f"  fastapi-maintenance off --backend file --file-path {STATE_FILE}\n",
        flush=True,
    )
    yield


app = FastAPI(title="fastapi-maintenance demo", lifespan=lifespan)
app.add_middleware(MaintenanceModeMiddleware, backend=backend, retry_after=600)


@app.get("/items")
async def list_items() -> list[dict[str, object]]:
    return [{"id": 1, "name": "hammer"}, {"id": 2, "name": "saw"}]


@app.get("/health")
@force_maintenance_mode_off
async def health() -> dict[str, object]:
    return {"status": "ok", "maintenance": await get_maintenance_mode(backend)}


@app.post("/admin/maintenance/{switch}")
@force_maintenance_mode_off
async def switch_maintenance(switch: bool) -> dict[str, bool]:
    await set_maintenance_mode(switch, backend)
    return {"maintenance": switch}


if __name__ == "__main__":
    uvicorn.run(app, host=HOST, port=PORT)
