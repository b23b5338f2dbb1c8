"""A user's test module, as a project using fastapi-maintenance would write it.

It is copied into a folder of its own and run by pytest in a new process, where the plugin
is found through its ``pytest11`` entry point: only the fixtures are used, nothing else.
"""

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off

app = FastAPI()
app.add_middleware(MaintenanceModeMiddleware)


@app.get("/items")
def items() -> list[str]:
    return ["apple"]


@app.get("/health")
@force_maintenance_mode_off
def health() -> dict[str, str]:
    return {"status": "ok"}


def test_the_app_answers_while_maintenance_is_off(maintenance):
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200


def test_the_app_answers_503_once_maintenance_is_on(maintenance):
    maintenance.on()
    with TestClient(app) as client:
        assert client.get("/items").status_code == 503


def test_the_state_left_on_by_another_test_starts_off(maintenance):
    assert maintenance.is_on is False
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200


def test_the_health_route_stays_up_during_maintenance(maintenance):
    maintenance.on()
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200


def test_switching_off_again_restores_the_app(maintenance):
    maintenance.on()
    maintenance.off()
    with TestClient(app) as client:
        assert client.get("/items").status_code == 200


@pytest.mark.anyio
async def test_an_async_test_switches_with_await(maintenance):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        await maintenance.aon()
        assert (await client.get("/items")).status_code == 503
        await maintenance.aoff()
        assert (await client.get("/items")).status_code == 200


@pytest.mark.anyio
async def test_the_sync_switch_works_inside_an_async_test(maintenance):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        maintenance.on()
        assert (await client.get("/items")).status_code == 503


def test_an_app_given_the_switch_backend_follows_it(maintenance):
    own = FastAPI()
    own.add_middleware(MaintenanceModeMiddleware, backend=maintenance.spec)
    own.get("/")(lambda: "ok")
    maintenance.on()
    with TestClient(own) as client:
        assert client.get("/").status_code == 503
