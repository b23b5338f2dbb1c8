"""What a request costs: no route lookup while nothing can block it, one table per route set."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)
from fastapi_maintenance import middleware as middleware_module
from fastapi_maintenance._routes import RouteTable

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
