"""Apps without a Starlette route table fail closed: every path counts as a route."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from starlette.applications import Starlette
from starlette.routing import Mount

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "asgi.md"
NO_TABLE = "has no Starlette route table"


@get("/items")
async def items() -> list[str]:
    return ["apple"]


@get("/health")
@force_maintenance_mode_off
async def health() -> dict[str, str]:
    return {"status": "ok"}


def litestar_app() -> Litestar:
    # Without logging_config, Litestar replaces the root logger's handlers (pytest's too).
    return Litestar(route_handlers=[items, health], logging_config=None)


def guide_example(marker: str) -> dict[str, Any]:
    """Run the Python block of docs/asgi.md that contains ``marker``; return its names."""
    blocks = re.findall(r"^```python\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.S | re.M)
    (block,) = (b for b in blocks if marker in b)
    names: dict[str, Any] = {"__name__": __name__}
    exec(compile(block, str(GUIDE), "exec"), names)
    return names


async def status_of(app: Any, path: str) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return (await client.get(path)).status_code


@pytest.mark.anyio
async def test_litestar_app_goes_into_maintenance() -> None:
    app = MaintenanceModeMiddleware(litestar_app(), enable_maintenance=True)

    assert await status_of(app, "/items") == 503


@pytest.mark.anyio
async def test_litestar_app_mounted_in_starlette_goes_into_maintenance() -> None:
    outer = Starlette(routes=[Mount("/shop", app=litestar_app())])
    outer.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)

    assert await status_of(outer, "/shop/items") == 503


@pytest.mark.anyio
async def test_unknown_path_of_a_litestar_app_is_blocked_not_404() -> None:
    app = MaintenanceModeMiddleware(litestar_app(), enable_maintenance=True)

    assert await status_of(app, "/no/such/page") == 503


@pytest.mark.anyio
async def test_decorators_have_no_effect_without_a_route_table() -> None:
    app = MaintenanceModeMiddleware(litestar_app(), enable_maintenance=True)

    assert await status_of(app, "/health") == 503


@pytest.mark.anyio
async def test_app_without_a_route_table_is_reported_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="fastapi_maintenance")
    app = MaintenanceModeMiddleware(litestar_app(), enable_maintenance=False)

    for _ in range(3):
        await status_of(app, "/items")

    reports = [r.getMessage() for r in caplog.records if NO_TABLE in r.getMessage()]
    assert len(reports) == 1
    assert "'Litestar'" in reports[0] and "exempt_handler" in reports[0]


@pytest.mark.anyio
async def test_starlette_app_is_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fastapi_maintenance")
    app = Starlette()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)

    assert await status_of(app, "/no/such/page") == 404
    assert not [r for r in caplog.records if NO_TABLE in r.getMessage()]


@pytest.mark.anyio
async def test_guide_example_keeps_the_health_check_of_a_bare_app_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    app = guide_example("bare_app")["app"]

    assert await status_of(app, "/health") == 200
    assert await status_of(app, "/anything/else") == 503


@pytest.mark.anyio
async def test_guide_example_keeps_the_health_check_of_a_quart_app_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    app = guide_example("from quart import")["app"]

    @app.get("/health")
    async def quart_health() -> str:
        return "ok"

    assert await status_of(app, "/health") == 200
    assert await status_of(app, "/no/such/page") == 503
