"""Backends and applications shared by the core tests."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import uvicorn
from fastapi import FastAPI, WebSocket

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceModeMiddleware,
    MaintenanceState,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)

#: The 503 JSON body of a state without details: fastapi-maintenance 0.0.5's, unchanged.
DETAIL = {"detail": "Service temporarily unavailable due to maintenance"}


class MemoryBackend(BaseStateBackend):
    """A writable backend kept in memory that records every call made to it."""

    def __init__(self, value: bool = False) -> None:
        self.value = value
        self.calls: list[str] = []

    async def get_value(self) -> bool:
        self.calls.append("get_value")
        return self.value

    async def set_value(self, value: bool) -> None:
        self.calls.append("set_value")
        self.value = value

    async def start(self) -> None:
        self.calls.append("start")

    async def aclose(self) -> None:
        self.calls.append("aclose")


class DetailsBackend(BaseStateBackend):
    """A backend kept in memory that stores the whole state, served from memory."""

    stores_details = True

    def __init__(self, state: MaintenanceState | None = None) -> None:
        self.state = state or MaintenanceState()
        self.reads = 0

    async def get_value(self) -> bool:
        return self.state.is_active()

    async def set_value(self, value: bool) -> None:
        self.state = MaintenanceState(on=value)

    async def get_state(self) -> MaintenanceState:
        self.reads += 1
        return self.state

    async def set_state(self, state: MaintenanceState) -> None:
        self.state = state

    def cached_state(self) -> MaintenanceState:
        return self.state


class PushingBackend(DetailsBackend):
    """A :class:`DetailsBackend` that pushes every change, as if shared by several processes.

    :meth:`write_elsewhere` changes the state as another process would; writes from this
    one are pushed back too, as Redis's pub/sub does.
    """

    supports_changes = True

    def __init__(self, state: MaintenanceState | None = None) -> None:
        super().__init__(state)
        self._queues: list[asyncio.Queue[MaintenanceState | None]] = []

    async def set_state(self, state: MaintenanceState) -> None:
        self.write_elsewhere(state)

    def write_elsewhere(self, state: MaintenanceState) -> None:
        self.state = state
        for queue in self._queues:
            queue.put_nowait(state)

    @property
    def followers(self) -> int:
        return len(self._queues)

    async def changes(self) -> AsyncIterator[MaintenanceState]:  # type: ignore[override]
        queue: asyncio.Queue[MaintenanceState | None] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while (state := await queue.get()) is not None:
                yield state
        finally:
            self._queues.remove(queue)


class FlakyBackend(BaseStateBackend):
    """A backend without a cache whose reads can be made to fail or hang."""

    def __init__(self, value: bool = False) -> None:
        self.value = value
        self.mode = "ok"  # "ok", "raise" or "hang"

    async def get_value(self) -> bool:
        if self.mode == "raise":
            raise ConnectionError("store unreachable")
        if self.mode == "hang":
            await asyncio.Event().wait()
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


def shop_app(**middleware_options: Any) -> FastAPI:
    """A small shop behind the middleware: plain, forced-on and forced-off routes, a websocket."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, **middleware_options)

    @app.get("/items")
    async def list_items() -> dict[str, list[int]]:
        return {"items": [1, 2]}

    @app.post("/items")
    async def add_item() -> dict[str, bool]:
        return {"added": True}

    @app.get("/health")
    @force_maintenance_mode_off
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/legacy")
    @force_maintenance_mode_on
    async def legacy() -> dict[str, str]:
        return {"status": "still here"}

    @app.websocket("/ws")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    @app.websocket("/ws-open")
    @force_maintenance_mode_off
    async def echo_open(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("open")
        await websocket.close()

    return app


class RawCall:
    """Drives one HTTP request through an ASGI app by hand, recording what the app sends."""

    def __init__(self, path: str = "/", method: str = "GET", spec_version: str = "2.3") -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": spec_version},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.sent: list[dict[str, Any]] = []
        self.disconnected = asyncio.Event()
        self._request_sent = False

    async def receive(self) -> dict[str, Any]:
        if not self._request_sent:
            self._request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def chunks(self) -> list[bytes]:
        return [m["body"] for m in self.sent if m["type"] == "http.response.body" and m["body"]]


@asynccontextmanager
async def lifespan_of(app: Any) -> AsyncIterator[dict[str, Any]]:
    """Run an app's lifespan startup, yield the startup answer, then shut it down.

    A failed startup must also raise (as Starlette's own lifespan does, so that
    ``TestClient`` fails too): the answer then carries the exception under ``"raised"``.
    """
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.ensure_future(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(outbox.get(), timeout=5)
    if started["type"] == "lifespan.startup.failed":
        done, _ = await asyncio.wait([task], timeout=5)
        assert done, "the app went on after a failed startup"
        raised = task.exception()
        assert raised is not None, "a failed startup did not raise"
        yield {**started, "raised": raised}
        return
    try:
        yield started
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(outbox.get(), timeout=5)
        await asyncio.wait_for(task, timeout=5)


async def websocket_session(app: Any, path: str, *texts: str) -> list[dict[str, Any]]:
    """Open a websocket on ``path``, send ``texts``, disconnect; return what the app sent."""
    target, _, query = path.partition("?")
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": target,
        "raw_path": target.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "subprotocols": [],
    }
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for message in [
        {"type": "websocket.connect"},
        *({"type": "websocket.receive", "text": text} for text in texts),
        {"type": "websocket.disconnect", "code": 1000},
    ]:
        incoming.put_nowait(message)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(scope, incoming.get, send), timeout=5)
    return sent


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[int]:
    """Serve ``app`` with a real uvicorn on 127.0.0.1 in this event loop; yield its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        for _ in range(1000):  # 10 s at most
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if task.done():
            task.result()
        assert server.started, "uvicorn did not start within 10 s"
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()


async def state_in(path: Any) -> MaintenanceState:
    """The state a state file holds, whichever form it was written in."""
    return MaintenanceState.from_text(await anyio.Path(path).read_text())
