"""A force decorator marks the route registered with the function it returns, nothing else."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel

import fastapi_maintenance.decorators
import fastapi_maintenance.middleware
import fastapi_maintenance.responses
from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)

pytestmark = pytest.mark.anyio

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


async def async_health() -> dict[str, str]:
    return {"status": "ok"}


def sync_health() -> dict[str, str]:
    return {"status": "ok"}


HEALTH = pytest.mark.parametrize("health", [async_health, sync_health], ids=["async", "sync"])


def _app(enable_maintenance: bool) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=enable_maintenance)
    return app


# a shared function --------------------------------------------------------------------


@HEALTH
async def test_forced_off_registration_does_not_open_another_route_of_the_same_function(
    client_for: Any, health: Callable[..., Any]
) -> None:
    app = _app(enable_maintenance=True)
    app.get("/public/health")(force_maintenance_mode_off(health))
    app.get("/internal/health")(health)
    client = client_for(app)
    assert (await client.get("/public/health")).status_code == 200
    assert (await client.get("/internal/health")).status_code == 503


@HEALTH
async def test_undecorated_registration_declared_first_stays_in_maintenance(
    client_for: Any, health: Callable[..., Any]
) -> None:
    app = _app(enable_maintenance=True)
    app.get("/internal/health")(health)
    app.get("/public/health")(force_maintenance_mode_off(health))
    client = client_for(app)
    assert (await client.get("/internal/health")).status_code == 503
    assert (await client.get("/public/health")).status_code == 200


@HEALTH
async def test_forced_on_registration_does_not_close_another_route_of_the_same_function(
    client_for: Any, health: Callable[..., Any]
) -> None:
    app = _app(enable_maintenance=False)
    app.get("/old/health")(force_maintenance_mode_on(health))
    app.get("/health")(health)
    client = client_for(app)
    assert (await client.get("/old/health")).status_code == 503
    assert (await client.get("/health")).status_code == 200


# the force decorator above the route decorator ----------------------------------------


@HEALTH
@pytest.mark.parametrize(
    ("decorator", "enable_maintenance", "status"),
    [(force_maintenance_mode_off, True, 503), (force_maintenance_mode_on, False, 200)],
    ids=["off", "on"],
)
async def test_force_decorator_above_the_route_decorator_forces_nothing(
    client_for: Any,
    health: Callable[..., Any],
    decorator: Decorator,
    enable_maintenance: bool,
    status: int,
) -> None:
    app = _app(enable_maintenance)
    decorator(app.get("/health")(health))
    assert (await client_for(app).get("/health")).status_code == status


@pytest.mark.parametrize("decorator", [force_maintenance_mode_off, force_maintenance_mode_on])
async def test_force_decorator_above_the_route_decorator_is_reported(
    client_for: Any, logged: Callable[[str], list[str]], decorator: Decorator
) -> None:
    app = _app(enable_maintenance=True)

    @decorator
    @app.get("/health")
    async def health() -> str:
        return "ok"

    await client_for(app).get("/health")
    assert logged(f"{decorator.__name__} was applied to")
    assert logged("place it below")


@HEALTH
@pytest.mark.parametrize(
    ("decorator", "enable_maintenance", "status"),
    [(force_maintenance_mode_off, True, 503), (force_maintenance_mode_on, False, 200)],
    ids=["off", "on"],
)
async def test_force_decorator_above_the_route_decorator_of_a_shared_function_forces_nothing(
    client_for: Any,
    logged: Callable[[str], list[str]],
    health: Callable[..., Any],
    decorator: Decorator,
    enable_maintenance: bool,
    status: int,
) -> None:
    app = _app(enable_maintenance)
    decorator(app.get("/public/health")(health))
    app.get("/internal/health")(health)
    client = client_for(app)
    assert (await client.get("/public/health")).status_code == status
    assert (await client.get("/internal/health")).status_code == status
    assert logged(f"{decorator.__name__} was applied to {health.__qualname__}")


async def test_shared_function_decorated_for_another_route_is_not_reported(
    client_for: Any, logged: Callable[[str], list[str]]
) -> None:
    app = _app(enable_maintenance=True)
    app.get("/internal/health")(async_health)
    app.get("/public/health")(force_maintenance_mode_off(async_health))
    await client_for(app).get("/internal/health")
    assert not logged("was applied to")


# what the framework sees of a decorated function --------------------------------------


async def test_sync_endpoint_still_runs_in_a_worker_thread(client_for: Any) -> None:
    loop_thread = threading.get_ident()
    app = _app(enable_maintenance=True)

    @app.get("/thread")
    @force_maintenance_mode_off
    def thread() -> bool:
        return threading.get_ident() != loop_thread

    assert (await client_for(app).get("/thread")).json() is True


class Item(BaseModel):
    name: str
    price: float


def _discount() -> float:
    return 0.5


async def test_parameters_dependencies_and_response_model_still_work(client_for: Any) -> None:
    app = _app(enable_maintenance=True)

    @app.get("/items/{name}")
    @force_maintenance_mode_off
    async def read_item(name: str, price: float, discount: float = Depends(_discount)) -> Item:
        return Item(name=name, price=price * discount)

    response = await client_for(app).get("/items/pen", params={"price": "4"})
    assert response.json() == {"name": "pen", "price": 2.0}
    schema = app.openapi()["paths"]["/items/{name}"]["get"]
    assert [p["name"] for p in schema["parameters"]] == ["name", "price"]
    assert schema["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }


def test_decorated_function_keeps_its_name_and_can_still_be_called() -> None:
    decorated = force_maintenance_mode_off(sync_health)
    assert decorated.__name__ == "sync_health"
    assert decorated() == {"status": "ok"}


@pytest.mark.parametrize("decorator", [force_maintenance_mode_off, force_maintenance_mode_on])
def test_a_class_is_refused_clearly(decorator: Decorator) -> None:
    with pytest.raises(TypeError, match="decorates a route's function"):
        decorator(Item)


# public names -------------------------------------------------------------------------


def test_mark_attribute_names_of_0_0_5_are_kept() -> None:
    decorated = force_maintenance_mode_on(sync_health)
    on = fastapi_maintenance.decorators.FORCE_MAINTENANCE_MODE_ON_ATTR
    off = fastapi_maintenance.decorators.FORCE_MAINTENANCE_MODE_OFF_ATTR
    assert (getattr(decorated, on), getattr(decorated, off)) == (True, False)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            fastapi_maintenance.decorators,
            {
                "FORCE_MAINTENANCE_MODE_OFF_ATTR",
                "FORCE_MAINTENANCE_MODE_ON_ATTR",
                "force_maintenance_mode_off",
                "force_maintenance_mode_on",
            },
        ),
        (
            fastapi_maintenance.responses,
            {
                "DEFAULT_DETAIL",
                "DEFAULT_RETRY_AFTER",
                "STATE_SCOPE_KEY",
                "maintenance_response",
                "retry_after_for",
                "wants_html",
            },
        ),
        (fastapi_maintenance.middleware, {"MaintenanceModeMiddleware"}),
    ],
    ids=["decorators", "responses", "middleware"],
)
def test_public_module_exports_its_names(module: Any, names: set[str]) -> None:
    assert set(module.__all__) == names
    assert all(hasattr(module, name) for name in names)
