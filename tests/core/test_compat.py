"""What fastapi-maintenance 0.0.5 users rely on keeps working unchanged."""

from __future__ import annotations

import importlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    MaintenanceState,
    get_maintenance_mode,
    maintenance_mode_on,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import BaseStateBackend, LocalFileBackend, register_backend

from .support import DETAIL, DetailsBackend, MemoryBackend, shop_app, state_in

pytestmark = pytest.mark.anyio

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)

PUBLIC_NAMES = [
    ("fastapi_maintenance", "MaintenanceModeMiddleware"),
    ("fastapi_maintenance", "configure_backend"),
    ("fastapi_maintenance", "get_maintenance_mode"),
    ("fastapi_maintenance", "set_maintenance_mode"),
    ("fastapi_maintenance", "maintenance_mode_on"),
    ("fastapi_maintenance", "force_maintenance_mode_on"),
    ("fastapi_maintenance", "force_maintenance_mode_off"),
    ("fastapi_maintenance.backends", "BaseStateBackend"),
    ("fastapi_maintenance.backends", "EnvVarBackend"),
    ("fastapi_maintenance.backends", "LocalFileBackend"),
    ("fastapi_maintenance.middleware", "MaintenanceModeMiddleware"),
    ("fastapi_maintenance.decorators", "force_maintenance_mode_on"),
    ("fastapi_maintenance.decorators", "force_maintenance_mode_off"),
]


@pytest.mark.parametrize(("module", "name"), PUBLIC_NAMES)
def test_every_0_0_5_import_path_still_works(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


def test_middleware_takes_the_0_0_5_positional_arguments() -> None:
    backend = MemoryBackend()

    def exempt(request: Request) -> bool:
        return False

    def respond(request: Request) -> Response:
        return PlainTextResponse("down", status_code=503)

    middleware = MaintenanceModeMiddleware(FastAPI(), True, backend, exempt, respond)
    assert (middleware.enable_maintenance, middleware.backend) == (True, backend)
    assert (middleware.exempt_handler, middleware.response_handler) == (exempt, respond)


# the default response ----------------------------------------------------------------


async def test_default_response_is_503_with_the_0_0_5_json_body(client_for: Any) -> None:
    response = await client_for(shop_app(enable_maintenance=True)).get("/items")
    assert response.status_code == 503
    assert response.json() == DETAIL


#: fastapi-maintenance 0.0.5's 503 body, byte for byte (its own tests assert this equality).
BODY_0_0_5 = b'{"detail":"Service temporarily unavailable due to maintenance"}'


async def test_default_response_body_is_0_0_5s_byte_for_byte(client_for: Any) -> None:
    response = await client_for(shop_app(enable_maintenance=True)).get("/items")
    assert response.content == BODY_0_0_5


@pytest.mark.parametrize(
    "state",
    [MaintenanceState(on=True), MaintenanceState(on=True, updated_by="ops", updated_at=NOW)],
    ids=["plain", "who-and-when"],
)
async def test_a_stored_state_without_details_answers_0_0_5s_body(
    client_for: Any, state: MaintenanceState
) -> None:
    response = await client_for(shop_app(backend=DetailsBackend(state))).get("/items")
    assert (response.status_code, response.content) == (503, BODY_0_0_5)


async def test_default_response_carries_retry_after(client_for: Any) -> None:
    response = await client_for(shop_app(enable_maintenance=True)).get("/items")
    assert response.headers["retry-after"] == "3600"


@pytest.mark.parametrize("accept", ["*/*", "application/json", "application/json, text/html"])
async def test_api_clients_get_json(client_for: Any, accept: str) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    response = await client.get("/items", headers={"accept": accept})
    assert response.headers["content-type"] == "application/json"
    assert response.json() == DETAIL


async def test_browsers_get_an_html_page(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await client.get("/items", headers={"accept": browser_accept})
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert "maintenance" in response.text
    assert response.headers["retry-after"] == "3600"


# enable_maintenance and backends -----------------------------------------------------


async def test_enable_maintenance_true_blocks_whatever_the_backend_says(client_for: Any) -> None:
    app = shop_app(enable_maintenance=True, backend=MemoryBackend(False))
    assert (await client_for(app).get("/items")).status_code == 503


async def test_enable_maintenance_false_opens_whatever_the_backend_says(client_for: Any) -> None:
    app = shop_app(enable_maintenance=False, backend=MemoryBackend(True))
    assert (await client_for(app).get("/items")).status_code == 200


async def test_backend_instance_decides(client_for: Any) -> None:
    backend = MemoryBackend(False)
    client = client_for(shop_app(backend=backend))
    assert (await client.get("/items")).status_code == 200
    backend.value = True
    assert (await client.get("/items")).status_code == 503


async def test_env_var_decides_by_default(client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = client_for(shop_app())
    assert (await client.get("/items")).status_code == 200
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    assert (await client.get("/items")).status_code == 503


async def test_backend_by_name_with_backend_options(client_for: Any, state_file: Path) -> None:
    await anyio.Path(state_file).write_text("1")
    app = shop_app(backend="file", backend_options={"file_path": str(state_file)})
    assert (await client_for(app).get("/items")).status_code == 503


async def test_backend_by_a_name_registered_in_process(client_for: Any) -> None:
    register_backend("shop-memory", MemoryBackend)
    app = shop_app(backend="shop-memory", backend_options={"value": True})
    assert (await client_for(app).get("/items")).status_code == 503


async def test_backend_by_url(client_for: Any, state_file: Path) -> None:
    await anyio.Path(state_file).write_text("1")
    app = shop_app(backend=f"file://{state_file}")
    assert (await client_for(app).get("/items")).status_code == 503


async def test_middleware_backend_becomes_the_default_once_the_app_started(
    client_for: Any, state_file: Path
) -> None:
    client = client_for(shop_app(backend=LocalFileBackend(state_file, check_interval=0)))
    await client.get("/items")
    await set_maintenance_mode(True)
    assert (await state_in(state_file)).on is True
    assert await get_maintenance_mode() is True
    assert (await client.get("/items")).status_code == 503


# precedence --------------------------------------------------------------------------


async def test_forced_on_route_beats_enable_maintenance_false(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=False))
    assert (await client.get("/legacy")).status_code == 503


async def test_forced_on_route_beats_exempt_handler(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=False, exempt_handler=lambda request: True))
    assert (await client.get("/legacy")).status_code == 503


async def test_forced_off_route_beats_maintenance_and_override(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    async with maintenance_mode_on(MemoryBackend()):
        assert (await client.get("/health")).status_code == 200


async def test_docs_routes_beat_override(client_for: Any) -> None:
    client = client_for(shop_app())
    async with maintenance_mode_on(MemoryBackend()):
        assert (await client.get("/docs")).status_code == 200
        assert (await client.get("/items")).status_code == 503


async def test_exempt_handler_beats_override(client_for: Any) -> None:
    app = shop_app(exempt_handler=lambda request: request.headers.get("x-admin") == "1")
    client = client_for(app)
    async with maintenance_mode_on(MemoryBackend()):
        assert (await client.get("/items", headers={"x-admin": "1"})).status_code == 200
        assert (await client.get("/items")).status_code == 503


async def test_override_beats_enable_maintenance_false(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=False))
    async with maintenance_mode_on(MemoryBackend()):
        assert (await client.get("/items")).status_code == 503
    assert (await client.get("/items")).status_code == 200


async def test_enable_maintenance_beats_backend_state(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, backend=MemoryBackend(False)))
    assert (await client.get("/items")).status_code == 503


# handlers ----------------------------------------------------------------------------


def _sync_exempt(request: Request) -> bool:
    return request.headers.get("x-admin") == "1"


async def _async_exempt(request: Request) -> bool:
    return request.headers.get("x-admin") == "1"


class _CallableExempt:
    async def __call__(self, request: Request) -> bool:
        return request.headers.get("x-admin") == "1"


@pytest.mark.parametrize(
    "handler", [_sync_exempt, _async_exempt, _CallableExempt()], ids=["sync", "async", "object"]
)
async def test_exempt_handler_of_every_shape_lets_requests_through(
    client_for: Any, handler: Any
) -> None:
    client = client_for(shop_app(enable_maintenance=True, exempt_handler=handler))
    assert (await client.get("/items", headers={"x-admin": "1"})).status_code == 200
    assert (await client.get("/items")).status_code == 503


def _sync_response(request: Request) -> Response:
    return PlainTextResponse(f"back soon: {request.url.path}", status_code=503)


async def _async_response(request: Request) -> Response:
    return PlainTextResponse(f"back soon: {request.url.path}", status_code=503)


class _CallableResponse:
    async def __call__(self, request: Request) -> Response:
        return PlainTextResponse(f"back soon: {request.url.path}", status_code=503)


@pytest.mark.parametrize(
    "handler",
    [_sync_response, _async_response, _CallableResponse()],
    ids=["sync", "async", "object"],
)
async def test_response_handler_of_every_shape_answers(client_for: Any, handler: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, response_handler=handler))
    response = await client.get("/items")
    assert (response.status_code, response.text) == (503, "back soon: /items")


async def _admin_by_body(request: Request) -> bool:
    return (await request.json()).get("token") == "admin"


async def test_app_still_receives_the_body_an_exempt_handler_read(client_for: Any) -> None:
    app = FastAPI()
    app.add_middleware(
        MaintenanceModeMiddleware, enable_maintenance=True, exempt_handler=_admin_by_body
    )

    @app.post("/echo")
    async def echo(request: Request) -> Any:
        return await request.json()

    response = await client_for(app).post("/echo", json={"token": "admin", "n": 1})
    assert (response.status_code, response.json()) == (200, {"token": "admin", "n": 1})


async def test_response_handler_still_receives_the_body_an_exempt_handler_read(
    client_for: Any,
) -> None:
    async def echo_body(request: Request) -> Response:
        return PlainTextResponse(await request.body(), status_code=503)

    app = shop_app(
        enable_maintenance=True, exempt_handler=_admin_by_body, response_handler=echo_body
    )
    body = '{"token":"guest"}'  # as bytes, not json=: httpx releases space JSON differently
    response = await client_for(app).post(
        "/items", content=body, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.text) == (503, body)


# docs and unknown routes ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"])
async def test_docs_routes_stay_reachable(client_for: Any, path: str) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    assert (await client.get(path)).status_code == 200


async def test_custom_docs_urls_stay_reachable(client_for: Any) -> None:
    app = FastAPI(docs_url="/api-docs", openapi_url="/api/schema.json", redoc_url=None)
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    client = client_for(app)
    assert (await client.get("/api-docs")).status_code == 200
    assert (await client.get("/api/schema.json")).status_code == 200


async def test_unknown_path_keeps_its_404(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    assert (await client.get("/nowhere")).status_code == 404


async def test_wrong_method_keeps_its_405(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    assert (await client.delete("/items")).status_code == 405


async def test_requests_pass_through_untouched_when_off(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=False))
    response = await client.post("/items")
    assert (response.status_code, response.json()) == (200, {"added": True})


@pytest.mark.parametrize("text", ["maybe", "2", "-1", " truee"])
def test_the_0_0_5_text_helper_refuses_garbage_in_its_words(text: str) -> None:
    with pytest.raises(ValueError, match=r"^state value is not correct"):
        BaseStateBackend._str_to_bool(text)


def test_the_0_0_5_text_helpers_still_read_and_write_plain_words() -> None:
    assert (BaseStateBackend._str_to_bool(" On "), BaseStateBackend._str_to_bool("")) == (
        True,
        False,
    )
    assert (BaseStateBackend._bool_to_str(True), BaseStateBackend._bool_to_str(False)) == ("1", "0")


def test_the_0_0_5_text_helper_refuses_what_is_no_bool() -> None:
    with pytest.raises(ValueError, match=r"^state value is not correct"):
        BaseStateBackend._bool_to_str(2)  # type: ignore[arg-type]


async def test_the_0_0_5_name_of_the_env_drivers_variable_still_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from fastapi_maintenance.backends import MAINTENANCE_MODE_ENV_VAR_NAME, EnvVarBackend

    assert MAINTENANCE_MODE_ENV_VAR_NAME == "FASTAPI_MAINTENANCE_MODE"
    monkeypatch.setenv(MAINTENANCE_MODE_ENV_VAR_NAME, "on")
    assert await EnvVarBackend().get_value() is True
