"""The middleware is pure ASGI: it streams, keeps context and passes lifespan and websockets."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, WebSocket
from fastapi.responses import StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from fastapi_maintenance import (
    BackendUnavailableError,
    MaintenanceModeMiddleware,
    get_maintenance_mode,
)

from .support import MemoryBackend, RawCall, lifespan_of, shop_app, websocket_session

pytestmark = pytest.mark.anyio

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


async def test_streaming_response_reaches_the_client_chunk_by_chunk() -> None:
    first_chunk_sent = anyio.Event()
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            # Finishes only once the client holds the first chunk: a buffering middleware
            # would wait forever here.
            await first_chunk_sent.wait()
            yield b"second"

        return StreamingResponse(chunks())

    call = RawCall("/stream")

    async def send(message: dict[str, Any]) -> None:
        await call.send(message)
        if message.get("body") == b"first":
            first_chunk_sent.set()

    with anyio.fail_after(5):
        await app(call.scope, call.receive, send)
    assert call.chunks == [b"first", b"second"]


async def test_background_tasks_run_after_the_response(client_for: Any) -> None:
    done: list[str] = []
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)

    @app.post("/signup")
    async def signup(tasks: BackgroundTasks) -> str:
        tasks.add_task(done.append, "welcome mail")
        return "ok"

    assert (await client_for(app).post("/signup")).status_code == 200
    assert done == ["welcome mail"]


class _RequestIdMiddleware:
    """An outer pure ASGI middleware that sets a context variable for the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = request_id.set("req-42")
        try:
            await self.app(scope, receive, send)
        finally:
            request_id.reset(token)


async def test_context_variable_set_by_an_outer_middleware_is_visible(client_for: Any) -> None:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)
    app.add_middleware(_RequestIdMiddleware)

    @app.get("/whoami")
    async def whoami() -> str:
        return request_id.get()

    assert (await client_for(app).get("/whoami")).json() == "req-42"


async def test_context_variable_set_by_a_dependency_is_visible_in_the_endpoint(
    client_for: Any,
) -> None:
    async def tag_request() -> AsyncIterator[None]:
        request_id.set("from-dependency")
        yield

    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)

    @app.get("/whoami", dependencies=[Depends(tag_request)])
    async def whoami() -> str:
        return request_id.get()

    assert (await client_for(app).get("/whoami")).json() == "from-dependency"


# lifespan -----------------------------------------------------------------------------


async def test_lifespan_starts_and_closes_the_backend() -> None:
    backend = MemoryBackend()
    app = shop_app(backend=backend)
    async with lifespan_of(app) as started:
        assert started["type"] == "lifespan.startup.complete"
        assert backend.calls == ["start"]
    assert backend.calls == ["start", "aclose"]


async def test_lifespan_of_the_app_still_runs() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def app_lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("app started")
        yield
        events.append("app stopped")

    app = FastAPI(lifespan=app_lifespan)
    app.add_middleware(MaintenanceModeMiddleware, backend=MemoryBackend())
    async with lifespan_of(app):
        assert events == ["app started"]
    assert events == ["app started", "app stopped"]


async def test_backend_that_fails_to_start_does_not_stop_the_app(
    logged: Any, client_for: Any
) -> None:
    class Unreachable(MemoryBackend):
        async def start(self) -> None:
            raise BackendUnavailableError("no route to store")

    app = shop_app(backend=Unreachable())
    async with lifespan_of(app) as started:
        assert started["type"] == "lifespan.startup.complete"
    assert logged("start() failed")


async def test_unknown_default_backend_fails_the_startup_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "no-such-driver")
    async with lifespan_of(shop_app()) as started:
        assert started["type"] == "lifespan.startup.failed"
        assert "no-such-driver" in started["message"]


async def test_middleware_backend_is_the_default_after_startup() -> None:
    backend = MemoryBackend()
    async with lifespan_of(shop_app(backend=backend)):
        backend.value = True
        assert await get_maintenance_mode() is True


# websockets ---------------------------------------------------------------------------


async def test_websocket_is_served_when_off() -> None:
    sent = await websocket_session(shop_app(enable_maintenance=False), "/ws", "hello")
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send", "websocket.close"]
    assert sent[1]["text"] == "hello"


async def test_websocket_is_closed_with_1013_in_maintenance() -> None:
    sent = await websocket_session(shop_app(enable_maintenance=True), "/ws", "hello")
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert sent[-1]["code"] == 1013


async def test_forced_off_websocket_is_served_in_maintenance() -> None:
    sent = await websocket_session(shop_app(enable_maintenance=True), "/ws-open")
    assert [m.get("text") for m in sent if m["type"] == "websocket.send"] == ["open"]


async def test_unknown_websocket_path_is_left_to_the_app() -> None:
    sent = await websocket_session(shop_app(enable_maintenance=True), "/no-such-socket")
    assert sent[-1]["type"] == "websocket.close"
    assert sent[-1].get("code") != 1013


async def test_exempt_handler_also_decides_for_websockets() -> None:
    def admins(connection: WebSocket) -> bool:
        return connection.query_params.get("token") == "admin"

    app = shop_app(enable_maintenance=True, exempt_handler=admins)
    sent = await websocket_session(app, "/ws?token=admin", "hi")
    assert [m.get("text") for m in sent if m["type"] == "websocket.send"] == ["hi"]
