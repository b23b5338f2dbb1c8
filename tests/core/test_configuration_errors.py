"""A configuration mistake stops the app at startup, whichever way the middleware is added,
and never turns into 500s or a silent off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off
from fastapi_maintenance._model.errors import MaintenanceError

from .support import MemoryBackend

#: Each mistake: the middleware's options, the variables set, and a word the error must hold.
MISTAKES = {
    "short bypass secret": ({"bypass_secret": "too-short"}, {}, "bypass_secret"),
    "allow_ips entry": ({"allow_ips": ["the office"]}, {}, "allow_ips"),
    "exempt_paths entry": ({"exempt_paths": ["health"]}, {}, "exempt_paths"),
    "negative retry_after": ({"retry_after": -1}, {}, "retry_after"),
    "zero state_timeout": ({"state_timeout": 0}, {}, "state_timeout"),
    "unknown backend": ({"backend": "no-such-driver"}, {}, "no-such-driver"),
    "page of another type": ({"page": "<h1>Shop</h1>"}, {}, "page must be a MaintenancePage"),
    "allow-list variable": (
        {},
        {"FASTAPI_MAINTENANCE_ALLOW_IPS": "the office"},
        "FASTAPI_MAINTENANCE_ALLOW_IPS: 'the office'",
    ),
    "secret variable": (
        {},
        {"FASTAPI_MAINTENANCE_BYPASS_SECRET": "too-short"},
        "FASTAPI_MAINTENANCE_BYPASS_SECRET",
    ),
}


@pytest.fixture(params=list(MISTAKES), ids=str)
def misconfigured(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An app whose middleware, added with ``add_middleware``, has one mistake; and the
    word its error names."""
    options, variables, word = MISTAKES[request.param]
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    options = {"backend": MemoryBackend(), **options}
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, **options)

    @app.get("/items")
    async def items() -> list[str]:
        return ["book"]

    return app, word


def test_a_mistake_fails_the_startup_under_the_test_client(misconfigured: Any) -> None:
    app, word = misconfigured
    with pytest.raises((ValueError, TypeError, MaintenanceError), match=word), TestClient(app):
        pytest.fail("the app started")


def test_without_lifespan_a_mistake_answers_503_and_is_logged_once(
    misconfigured: Any, logged: Callable[[str], list[str]]
) -> None:
    app, word = misconfigured
    client = TestClient(app)  # no ``with``: no lifespan, as a server run without it

    answers = [client.get("/items") for _ in range(2)]

    assert [answer.status_code for answer in answers] == [503, 503]
    assert answers[0].json()["detail"] == "Service temporarily unavailable due to maintenance"
    assert len(logged("MaintenanceModeMiddleware is misconfigured")) == 1
    assert word in logged("MaintenanceModeMiddleware is misconfigured")[0]


def test_without_lifespan_a_route_kept_up_stays_up(misconfigured: Any) -> None:
    app, _ = misconfigured

    @app.get("/health")
    @force_maintenance_mode_off
    async def health() -> str:
        return "ok"

    assert TestClient(app).get("/health").json() == "ok"


def test_without_lifespan_a_websocket_is_closed_as_in_maintenance(misconfigured: Any) -> None:
    app, _ = misconfigured

    @app.websocket("/ws")
    async def ws(websocket: Any) -> None:  # pragma: no cover - never reached
        await websocket.accept()

    with TestClient(app).websocket_connect("/ws") as websocket:
        assert websocket.receive()["code"] == 1013


def test_a_mistake_raises_where_the_middleware_wraps_the_app_at_import() -> None:
    with pytest.raises(ValueError, match="retry_after"):
        MaintenanceModeMiddleware(FastAPI(), retry_after=-1)


def test_a_backend_that_cannot_start_fails_the_startup_under_the_test_client() -> None:
    class Broken(MemoryBackend):
        async def start(self) -> None:
            raise RuntimeError("no event loop for this driver")

    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=Broken())

    with pytest.raises(MaintenanceError, match="no event loop for this driver"), TestClient(app):
        pytest.fail("the app started")


def test_a_failed_startup_hides_the_credentials_of_the_backend_url() -> None:
    class Broken(MemoryBackend):
        async def start(self) -> None:
            raise RuntimeError("cannot reach redis://app:s3cret@cache:6379/0")

    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=Broken())

    with pytest.raises(MaintenanceError) as raised, TestClient(app):
        pytest.fail("the app started")

    assert "s3cret" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
