"""A small API that starts in maintenance mode.

Run it with ``.venv/bin/python docs/examples/demo.py`` and open
http://127.0.0.1:8000/items (the API has no page at ``/``). The state lives in a file (the
``file`` driver), so the command line in another terminal flips it for the running server;
the demo prints each command with the full path of the ``fastapi-maintenance`` program of
its own environment, so they work without activating the virtualenv.
"""

from __future__ import annotations

import os
import shlex
import sys
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


def cli_command() -> str:
    """The ``fastapi-maintenance`` program next to this Python, as a shell word."""
    program = os.path.join(os.path.dirname(sys.executable), "fastapi-maintenance")
    if os.path.exists(program):
        return shlex.quote(program)
    return f"{shlex.quote(sys.executable)} -m fastapi_maintenance.cli"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await set_maintenance_mode(True, backend)
    base = f"http://{HOST}:{PORT}"
    cli = cli_command()
    state = shlex.quote(STATE_FILE)
    print(
        "\nThe demo API is in maintenance mode.\n"
        f"  curl -i {base}/items                   -> 503, JSON body, Retry-After\n"
        f"  open {base}/items in a browser         -> a maintenance page\n"
        f"  curl -i {base}/health                  -> 200 (forced off)\n"
        f"  curl -X POST {base}/admin/maintenance/off  -> switch it off from an admin route\n"
        f"  {cli} status --backend file --file-path {state}\n"
        f"  {cli} off --backend file --file-path {state}\n",
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
