"""A fault in a handler, a driver or the client never turns into a 500: see docs/faults.md."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from fastapi_maintenance import (
    BackendUnavailableError,
    BaseStateBackend,
    MaintenanceModeMiddleware,
)

from .support import DETAIL, FlakyBackend, MemoryBackend, RawCall, lifespan_of, served, shop_app

pytestmark = pytest.mark.anyio


# handlers -----------------------------------------------------------------------------


def _exempt_that_raises(request: Request) -> bool:
    raise KeyError(f"no session for {request.url}")


async def _response_that_raises(request: Request) -> Any:
    raise RuntimeError("template missing")


async def test_exempt_handler_that_raises_counts_as_not_exempt(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, exempt_handler=_exempt_that_raises))
    response = await client.get("/items")
    assert (response.status_code, response.json()) == (503, DETAIL)


async def test_exempt_handler_that_raises_is_logged_once(client_for: Any, logged: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, exempt_handler=_exempt_that_raises))
    for path in ["/items", "/items", "/items?page=2", "/items?page=3"]:
        await client.get(path)
    assert len(logged("exempt_handler raised")) == 1


async def test_exempt_handler_is_not_called_when_maintenance_is_off(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=False, exempt_handler=_exempt_that_raises))
    assert (await client.get("/items")).status_code == 200


async def test_response_handler_that_raises_gets_the_default_response(client_for: Any) -> None:
    app = shop_app(enable_maintenance=True, response_handler=_response_that_raises)
    response = await client_for(app).get("/items")
    assert (response.status_code, response.json()) == (503, DETAIL)


async def test_response_handler_that_raises_is_logged_once(client_for: Any, logged: Any) -> None:
    app = shop_app(enable_maintenance=True, response_handler=_response_that_raises)
    client = client_for(app)
    for _ in range(3):
        await client.get("/items")
    assert len(logged("response_handler raised")) == 1


async def test_response_handler_returning_no_response_gets_the_default(
    client_for: Any, logged: Any
) -> None:
    app = shop_app(enable_maintenance=True, response_handler=lambda request: {"down": True})
    response = await client_for(app).get("/items")
    assert (response.status_code, response.json()) == (503, DETAIL)
    assert logged("expected a starlette Response")


# drivers ------------------------------------------------------------------------------


@pytest.fixture
def flaky() -> FlakyBackend:
    return FlakyBackend(value=True)


@pytest.fixture
def flaky_client(client_for: Any, flaky: FlakyBackend) -> Any:
    return client_for(shop_app(backend=flaky, state_timeout=0.2))


@pytest.mark.parametrize("mode", ["raise", "hang"])
async def test_failing_driver_answers_from_the_last_known_state(
    flaky: FlakyBackend, flaky_client: Any, mode: str
) -> None:
    assert (await flaky_client.get("/items")).status_code == 503
    flaky.mode = mode
    with anyio.fail_after(5):
        assert (await flaky_client.get("/items")).status_code == 503
        flaky.value = False  # the store changed, but cannot be read
        assert (await flaky_client.get("/items")).status_code == 503


@pytest.mark.parametrize("mode", ["raise", "hang"])
async def test_driver_failing_from_the_start_counts_as_off(
    flaky: FlakyBackend, flaky_client: Any, mode: str
) -> None:
    flaky.mode = mode
    with anyio.fail_after(5):
        assert (await flaky_client.get("/items")).status_code == 200


@pytest.mark.parametrize("mode", ["raise", "hang"])
async def test_driver_failure_and_recovery_are_logged_once_each(
    flaky: FlakyBackend, flaky_client: Any, logged: Any, mode: str
) -> None:
    await flaky_client.get("/items")
    flaky.mode = mode
    for _ in range(3):
        await flaky_client.get("/items")
    flaky.mode = "ok"
    for _ in range(3):
        await flaky_client.get("/items")
    assert len(logged("cannot read maintenance state")) == 1
    assert len(logged("readable again")) == 1


async def test_hanging_driver_is_given_up_after_state_timeout(
    flaky: FlakyBackend, flaky_client: Any, logged: Any
) -> None:
    flaky.mode = "hang"
    await flaky_client.get("/items")
    assert logged("timed out")


BOTH_LOOPS = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


class _SlowStore(BaseStateBackend):
    """A driver that reads over a network: each read suspends for ``delay`` seconds.

    With ``own_timeout`` the read bounds itself too, in a cancel scope of its own.
    """

    def __init__(self, value: bool, delay: float = 0, own_timeout: float | None = None) -> None:
        self.value = value
        self.delay = delay
        self.own_timeout = own_timeout

    async def get_value(self) -> bool:
        value = self.value
        if self.own_timeout is None:
            await anyio.sleep(self.delay)
        else:
            with anyio.fail_after(self.own_timeout):
                await anyio.sleep(self.delay)
        return value

    async def set_value(self, value: bool) -> None:
        self.value = value


async def _answer(app: Any) -> int | None:
    """The status ``app`` answers a plain GET with, under whichever event loop runs."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/items", "root_path": "", "headers": []}
    await app(scope, receive, send)
    return int(sent[0]["status"]) if sent else None


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@BOTH_LOOPS
async def test_a_read_that_suspends_answers_within_state_timeout() -> None:
    store = _SlowStore(True, delay=0.01)
    app = MaintenanceModeMiddleware(_ok, backend=store, state_timeout=5)
    assert await _answer(app) == 503
    store.value = False
    assert await _answer(app) == 200


@BOTH_LOOPS
async def test_a_read_suspending_longer_than_state_timeout_times_out(logged: Any) -> None:
    store = _SlowStore(True)
    app = MaintenanceModeMiddleware(_ok, backend=store, state_timeout=0.05)
    assert await _answer(app) == 503
    store.value, store.delay = False, 30
    with anyio.fail_after(5):
        assert await _answer(app) == 503  # the last known state
    assert len(logged("timed out")) == 1


@BOTH_LOOPS
async def test_a_read_in_a_cancel_scope_of_its_own_is_timed_out_cleanly(logged: Any) -> None:
    store = _SlowStore(True, own_timeout=30)
    app = MaintenanceModeMiddleware(_ok, backend=store, state_timeout=0.05)
    assert await _answer(app) == 503
    store.value, store.delay = False, 20
    with anyio.fail_after(5):
        assert await _answer(app) == 503
    assert len(logged("(timed out)")) == 1


@BOTH_LOOPS
async def test_a_request_cancelled_during_a_read_stays_cancelled(logged: Any) -> None:
    app = MaintenanceModeMiddleware(_ok, backend=_SlowStore(True, delay=30), state_timeout=5)
    with anyio.move_on_after(0.05) as scope:
        await _answer(app)
    assert scope.cancelled_caught
    assert logged("cannot read maintenance state") == []


class _Stubborn(BaseStateBackend):
    """A read that catches its cancellation and answers anyway, or raises an error of its own."""

    def __init__(self, answers: bool) -> None:
        self.answers = answers

    async def get_value(self) -> bool:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            if self.answers:
                return False
            raise ConnectionError("read interrupted") from None
        return True

    async def set_value(self, value: bool) -> None:
        raise NotImplementedError


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling() is new in Python 3.11")
@pytest.mark.parametrize("answers", [True, False], ids=["answers", "raises"])
async def test_a_read_that_ignores_its_timeout_leaves_the_request_uncancelled(
    answers: bool,
) -> None:
    pending: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        task = asyncio.current_task()
        assert task is not None
        pending.append(task.cancelling())
        await _ok(scope, receive, send)

    middleware = MaintenanceModeMiddleware(app, backend=_Stubborn(answers), state_timeout=0.01)
    with anyio.fail_after(5):
        assert await _answer(middleware) == 200
    assert pending == [0]


class _CacheThatRaises(BaseStateBackend):
    """Breaks the contract: ``cached_value`` must never raise."""

    def cached_value(self) -> bool | None:
        raise RuntimeError("cache corrupted")

    async def get_value(self) -> bool:
        return True

    async def set_value(self, value: bool) -> None:
        raise NotImplementedError


async def test_cached_value_that_raises_falls_back_to_get_value(
    client_for: Any, logged: Any
) -> None:
    client = client_for(shop_app(backend=_CacheThatRaises()))
    for _ in range(3):
        assert (await client.get("/items")).status_code == 503
    assert len(logged("cached_value() of")) == 1


async def test_unbuildable_default_backend_without_lifespan_counts_as_on(
    client_for: Any, logged: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "no-such-driver")
    client = client_for(shop_app())
    for _ in range(3):
        assert (await client.get("/items")).status_code == 503
    assert len(logged("no-such-driver")) == 1


# startup ------------------------------------------------------------------------------

SPEC = "redis://app:s3cret@cache:6379/0"


class _StartFails(MemoryBackend):
    """A backend whose ``start()`` raises ``error``, described by a URL with a password."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    async def start(self) -> None:
        await super().start()
        raise self.error

    def describe(self) -> str:
        return SPEC


def _app_with_lifespan(backend: BaseStateBackend, events: list[str]) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("app started")
        yield

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    return app


async def test_a_store_unreachable_at_startup_is_logged_once_and_the_app_starts(
    logged: Any,
) -> None:
    events: list[str] = []
    backend = _StartFails(BackendUnavailableError("connection refused"))
    async with lifespan_of(_app_with_lifespan(backend, events)) as started:
        assert started["type"] == "lifespan.startup.complete"
    assert events == ["app started"]
    assert len(logged("connection refused")) == 1
    assert logged("s3cret") == []


@pytest.mark.parametrize(
    "error", [RuntimeError("no running event loop"), ConnectionError("refused"), KeyError("db")]
)
async def test_a_backend_that_cannot_run_fails_the_startup(error: Exception) -> None:
    events: list[str] = []
    backend = _StartFails(error)
    async with lifespan_of(_app_with_lifespan(backend, events)) as started:
        assert started["type"] == "lifespan.startup.failed"
    assert events == []
    assert backend.calls == ["start", "aclose"]


async def test_a_failed_startup_names_the_backend_and_the_cause() -> None:
    backend = _StartFails(RuntimeError("no running event loop"))
    async with lifespan_of(shop_app(backend=backend)) as started:
        message = started["message"]
    assert "redis://app:***@cache:6379/0" in message
    assert "RuntimeError: no running event loop" in message
    assert "s3cret" not in message


# clients ------------------------------------------------------------------------------


def _ticker(stopped: asyncio.Event) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=False)

    @app.get("/ticks")
    async def ticks() -> StreamingResponse:
        async def forever() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"tick\n"
                    await asyncio.sleep(0.01)
            finally:
                stopped.set()

        return StreamingResponse(forever(), media_type="text/plain")

    @app.get("/items")
    async def items() -> list[int]:
        return [1]

    return app


async def test_client_leaving_a_stream_does_not_raise_out_of_the_middleware() -> None:
    stopped = asyncio.Event()
    call = RawCall("/ticks")
    app = _ticker(stopped)

    async def leave_after_first_chunk(message: dict[str, Any]) -> None:
        await call.send(message)
        if message.get("body"):
            call.disconnected.set()

    with anyio.fail_after(5):
        await app(call.scope, call.receive, leave_after_first_chunk)
    assert call.chunks[0] == b"tick\n"
    assert stopped.is_set()


async def test_client_gone_before_the_maintenance_response_does_not_raise() -> None:
    call = RawCall("/items", spec_version="2.4")

    async def gone(message: dict[str, Any]) -> None:
        raise OSError("connection reset by peer")

    await shop_app(enable_maintenance=True)(call.scope, call.receive, gone)


async def test_client_hanging_up_on_a_real_server_leaves_it_serving(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    stopped = asyncio.Event()
    async with served(_ticker(stopped)) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /ticks HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert b"200" in await reader.readline()
        await reader.readuntil(b"tick\n")
        writer.close()
        await writer.wait_closed()
        with anyio.fail_after(5):
            await stopped.wait()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /items HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert b"200 OK" in await reader.readline()
        writer.close()
        await writer.wait_closed()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
