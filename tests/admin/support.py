"""A backend keeping the whole state in memory, a shop app with the admin router, and a
loopback server for the browser tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceModeMiddleware,
    MaintenanceState,
    admin_router,
)

#: The bearer token the shop's operators use.
TOKEN = "s3cret-operator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

bearer = HTTPBearer(auto_error=False)


async def require_operator(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
) -> str:
    """The shop's auth dependency: a bearer token, answering the operator's name."""
    if credentials is None or credentials.credentials != TOKEN:
        raise HTTPException(401, "operators only", headers={"WWW-Authenticate": "Bearer"})
    return "alice"


class DetailsMemoryBackend(BaseStateBackend):
    """Keeps the whole state in memory: a driver with ``stores_details``."""

    stores_details = True

    def __init__(self, state: MaintenanceState | None = None) -> None:
        self.state = state or MaintenanceState()
        self.writes = 0

    async def get_state(self) -> MaintenanceState:
        return self.state

    def cached_state(self) -> MaintenanceState:
        return self.state

    async def set_state(self, state: MaintenanceState) -> None:
        self.writes += 1
        self.state = state

    async def get_value(self) -> bool:
        return self.state.is_active()

    async def set_value(self, value: bool) -> None:
        await self.set_state(MaintenanceState(on=value))


class OnOffMemoryBackend(BaseStateBackend):
    """A driver written for fastapi-maintenance 0.0.5: on and off only."""

    def __init__(self) -> None:
        self.value = False

    async def get_value(self) -> bool:
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


def shop_app(backend: BaseStateBackend, **router_options: Any) -> FastAPI:
    """A shop behind the middleware, with the admin router guarded by a bearer token."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    options: dict[str, Any] = {
        "dependencies": [Depends(require_operator)],
        "updated_by": require_operator,
        **router_options,
    }
    app.include_router(admin_router(backend=backend, **options), prefix="/admin")

    @app.get("/items")
    async def list_items() -> dict[str, list[int]]:
        return {"items": [1, 2]}

    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
