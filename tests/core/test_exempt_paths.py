"""``exempt_paths``: exact paths and ``/prefix/*`` patterns let requests through maintenance."""

from __future__ import annotations

import pytest
from starlette.types import Receive, Scope, Send

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance._model.paths import PathPatterns

from .bypass_support import client_for, echo_app, with_root_path

pytestmark = pytest.mark.anyio

PATTERNS = ["/health", "/internal/*"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/health", 200),
        ("/health/", 503),
        ("/healthz", 503),
        ("/internal/", 200),
        ("/internal/jobs", 200),
        ("/internal/jobs/7/run", 200),
        ("/internal", 503),
        ("/internals/x", 503),
        ("/shop", 503),
    ],
)
async def test_an_exact_path_matches_itself_and_a_prefix_what_is_below_it(
    path: str, status: int
) -> None:
    async with client_for(echo_app(exempt_paths=PATTERNS)) as client:
        assert (await client.get(path)).status_code == status


async def test_exempt_paths_hold_for_every_method() -> None:
    async with client_for(echo_app(exempt_paths=PATTERNS)) as client:
        assert (await client.post("/internal/jobs")).status_code == 200


async def test_a_route_forced_on_stays_in_maintenance_even_on_an_exempt_path() -> None:
    async with client_for(echo_app(exempt_paths=["/legacy"])) as client:
        assert (await client.get("/legacy")).status_code == 503


async def test_exempt_paths_are_matched_without_the_proxy_root_path() -> None:
    app = with_root_path(echo_app(exempt_paths=["/health"]), "/api")
    async with client_for(app) as client:
        assert (await client.get("/api/health")).status_code == 200
        assert (await client.get("/api/shop")).status_code == 503


async def test_an_exempt_path_passes_on_an_app_without_a_route_table() -> None:
    async def health(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = MaintenanceModeMiddleware(health, enable_maintenance=True, exempt_paths=["/health"])
    async with client_for(app) as client:
        assert (await client.get("/health")).text == "ok"
        assert (await client.get("/other")).status_code == 503


async def test_exempt_paths_change_nothing_while_maintenance_is_off() -> None:
    app = echo_app(enable_maintenance=False, exempt_paths=PATTERNS)
    async with client_for(app) as client:
        assert (await client.get("/shop")).status_code == 200


def test_the_matching_pattern_is_named() -> None:
    paths = PathPatterns(PATTERNS)
    assert paths.match("/internal/a") == "/internal/*"
    assert paths.match("/health") == "/health"
    assert paths.match("/nope") is None


@pytest.mark.parametrize("pattern", ["health", "/a/*/b", "/a*", "*", "/a?b=1", "/a b"])
def test_a_pattern_that_is_not_a_path_or_prefix_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="accepted"):
        PathPatterns([pattern])


def test_exempt_paths_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_EXEMPT_PATHS", "/health, /internal/*")
    middleware = MaintenanceModeMiddleware(echo_app(), enable_maintenance=True)
    assert middleware._bypass is not None
    assert middleware._bypass.paths.match("/internal/x") == "/internal/*"
