"""Every ``FASTAPI_MAINTENANCE_*`` variable set but empty (compose's ``${VAR:-}``) counts as
unset: the app starts and behaves as with no variable at all."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance.admin import admin_router

VARIABLES = [
    "FASTAPI_MAINTENANCE_BACKEND",
    "FASTAPI_MAINTENANCE_MODE",
    "FASTAPI_MAINTENANCE_EXEMPT_PATHS",
    "FASTAPI_MAINTENANCE_ALLOW_IPS",
    "FASTAPI_MAINTENANCE_TRUSTED_PROXIES",
    "FASTAPI_MAINTENANCE_FORWARDED_HEADER",
    "FASTAPI_MAINTENANCE_BYPASS_SECRET",
    "FASTAPI_MAINTENANCE_BYPASS_HEADER",
    "FASTAPI_MAINTENANCE_BYPASS_QUERY_PARAM",
    "FASTAPI_MAINTENANCE_BYPASS_COOKIE",
    "FASTAPI_MAINTENANCE_CSRF_SECRET",
    "FASTAPI_MAINTENANCE_PATHS",
]


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware)
    app.include_router(admin_router(allow_unauthenticated_i_know_this_is_unsafe=True))

    @app.get("/items")
    async def items() -> list[str]:
        return ["book"]

    return app


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("variable", VARIABLES)
def test_an_empty_variable_counts_as_unset(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)

    with TestClient(_app()) as client:
        assert client.get("/items").json() == ["book"]


def test_every_variable_empty_at_once_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in VARIABLES:
        monkeypatch.setenv(variable, "")

    with TestClient(_app()) as client:
        assert client.get("/items").status_code == 200
        assert client.get("/maintenance").json()["on"] is False
