"""What a request costs: no route lookup while nothing can block it, one table per route set,
and no timer around a state read that answers at once."""

from __future__ import annotations

import math
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from fastapi import FastAPI

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)
from fastapi_maintenance import middleware as middleware_module
from fastapi_maintenance._request.reading import StateReader
from fastapi_maintenance._request.routes import RouteTable

from .support import MemoryBackend, shop_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every route resolution the middleware computes (cached repeats are not computed)."""
    seen: list[tuple[Any, ...]] = []
    resolve = RouteTable._resolve

    def counting(self: RouteTable, *args: Any) -> Any:
        seen.append(args)
        return resolve(self, *args)

    monkeypatch.setattr(RouteTable, "_resolve", counting)
    return seen


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[RouteTable]:
    """Every route table the middleware builds."""
    built: list[RouteTable] = []

    class CountingTable(RouteTable):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(middleware_module, "RouteTable", CountingTable)
    return built


def _unforced_app(backend: MemoryBackend) -> FastAPI:
    """Routes of every kind except forced-on ones."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> int:
        return item_id

    @app.get("/health")
    @force_maintenance_mode_off
    async def health() -> str:
        return "ok"

    return app


async def test_routes_are_not_looked_up_while_off_and_nothing_is_forced_on(
    client_for: Any, lookups: list[tuple[Any, ...]]
) -> None:
    client = client_for(_unforced_app(MemoryBackend(False)))
    for number in range(50):
        assert (await client.get(f"/items/{number}")).status_code == 200
    assert lookups == []


async def test_routes_are_looked_up_once_maintenance_is_on(
    client_for: Any, lookups: list[tuple[Any, ...]]
) -> None:
    backend = MemoryBackend(False)
    client = client_for(_unforced_app(backend))
    await client.get("/items/1")
    backend.value = True
    assert (await client.get("/items/2")).status_code == 503
    assert len(lookups) == 1


async def test_only_paths_under_a_forced_on_route_are_looked_up_while_off(
    client_for: Any, lookups: list[tuple[Any, ...]]
) -> None:
    client = client_for(shop_app(backend=MemoryBackend(False)))
    for _ in range(5):
        assert (await client.get("/items")).status_code == 200
    assert lookups == []
    assert (await client.get("/legacy")).status_code == 503
    assert len(lookups) == 1


async def test_forced_on_route_with_a_parameter_first_is_looked_up_for_every_path(
    client_for: Any, lookups: list[tuple[Any, ...]]
) -> None:
    app = _unforced_app(MemoryBackend(False))

    @app.get("/{lang}/retired")
    @force_maintenance_mode_on
    async def retired(lang: str) -> str:
        return lang

    client = client_for(app)
    assert (await client.get("/items/1")).status_code == 200
    assert (await client.get("/en/retired")).status_code == 503
    assert len(lookups) == 2


async def test_repeated_requests_reuse_the_cached_lookup(
    client_for: Any, lookups: list[tuple[Any, ...]]
) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    for _ in range(20):
        assert (await client.get("/items")).status_code == 503
    assert len(lookups) == 1


async def test_route_table_is_built_once(client_for: Any, builds: list[RouteTable]) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    for path in ["/items", "/health", "/legacy", "/nowhere"] * 5:
        await client.get(path)
    assert len(builds) == 1


async def test_route_table_is_rebuilt_only_when_routes_change(
    client_for: Any, builds: list[RouteTable]
) -> None:
    app = shop_app(enable_maintenance=True)
    client = client_for(app)
    await client.get("/items")

    @app.get("/late")
    async def late() -> str:
        return "late"

    for _ in range(5):
        assert (await client.get("/late")).status_code == 503
    assert len(builds) == 2


# state reads ------------------------------------------------------------------------

BOTH_LOOPS = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


class _DeadlineSeen(BaseStateBackend):
    """A two-method driver that notes the deadline its read starts under."""

    def __init__(self, value: bool, suspends: bool) -> None:
        self.value = value
        self.suspends = suspends
        self.deadlines: list[float] = []

    async def get_value(self) -> bool:
        self.deadlines.append(anyio.current_effective_deadline())
        if self.suspends:
            await anyio.lowlevel.checkpoint()
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


async def _answer(app: Any) -> int:
    """The status ``app`` answers a plain GET with, under whichever event loop runs."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/items", "root_path": "", "headers": []}
    await app(scope, receive, send)
    return int(sent[0]["status"])


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@BOTH_LOOPS
async def test_a_read_that_answers_without_suspending_runs_under_no_timer() -> None:
    backend = _DeadlineSeen(True, suspends=False)
    app = MaintenanceModeMiddleware(_ok, backend=backend, state_timeout=1e-9)
    assert await _answer(app) == 503
    assert backend.deadlines == [math.inf]


@BOTH_LOOPS
async def test_a_read_runs_under_no_timer_until_it_suspends() -> None:
    backend = _DeadlineSeen(True, suspends=True)
    app = MaintenanceModeMiddleware(_ok, backend=backend, state_timeout=30)
    assert await _answer(app) == 503
    assert backend.deadlines[0] == math.inf


class _InMemory(BaseStateBackend):
    """A two-method driver whose ``get_value`` awaits nothing."""

    def __init__(self, value: bool) -> None:
        self.value = value

    async def get_value(self) -> bool:
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value


@pytest.fixture
def stepped(monkeypatch: pytest.MonkeyPatch) -> list[BaseStateBackend]:
    """The backends whose reads are stepped by hand (under a timeout once they suspend)."""
    seen: list[BaseStateBackend] = []
    value = StateReader.value

    def noting(self: StateReader, backend: BaseStateBackend) -> Any:
        seen.append(backend)
        return value(self, backend)

    monkeypatch.setattr(StateReader, "value", noting)
    return seen


@BOTH_LOOPS
async def test_a_read_that_awaits_nothing_is_awaited_as_it_is(
    stepped: list[BaseStateBackend],
) -> None:
    app = MaintenanceModeMiddleware(_ok, backend=_InMemory(True))
    assert await _answer(app) == 503
    assert stepped == []


async def test_a_read_that_may_await_is_stepped(stepped: list[BaseStateBackend]) -> None:
    backend = _DeadlineSeen(True, suspends=False)
    app = MaintenanceModeMiddleware(_ok, backend=backend)
    assert await _answer(app) == 503
    assert stepped == [backend]


async def test_a_get_value_set_on_the_instance_is_still_timed() -> None:
    backend = _InMemory(True)

    async def hangs() -> bool:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    backend.get_value = hangs  # type: ignore[method-assign]
    app = MaintenanceModeMiddleware(_ok, backend=backend, state_timeout=0.05)
    with anyio.fail_after(5):
        assert await _answer(app) == 200  # nothing known yet: off


class _Failing(_InMemory):
    """``_InMemory`` whose reads can be made to fail, still awaiting nothing."""

    fail = False

    async def get_value(self) -> bool:
        if self.fail:
            raise ConnectionError("store unreachable")
        return self.value


async def test_a_read_that_awaits_nothing_and_raises_serves_the_last_known_value(
    logged: Any,
) -> None:
    backend = _Failing(True)
    app = MaintenanceModeMiddleware(_ok, backend=backend)
    assert await _answer(app) == 503
    backend.fail = True
    assert [await _answer(app), await _answer(app)] == [503, 503]
    assert len(logged("cannot read maintenance state")) == 1
    backend.fail = False
    assert await _answer(app) == 503
    assert len(logged("is readable again")) == 1
