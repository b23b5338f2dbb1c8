"""``paths`` limits maintenance to the paths it lists: a single-page app served beside the
API (a ``StaticFiles`` mount at ``/``) stays up while the API is in maintenance."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_on


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The files of a built single-page app."""
    (tmp_path / "index.html").write_text("<!doctype html><title>Shop</title>", "utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("console.log('shop')", "utf-8")
    return tmp_path


def _app(site: Path, **options: Any) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True, **options)

    @app.get("/api/items")
    async def items() -> list[str]:
        return ["book"]

    @app.get("/status")
    @force_maintenance_mode_on
    async def status() -> str:
        return "never"

    app.mount("/", StaticFiles(directory=site, html=True), name="spa")
    return app


def test_without_paths_the_single_page_app_is_in_maintenance(site: Path) -> None:
    client = TestClient(_app(site))
    assert client.get("/").status_code == 503
    assert client.get("/assets/app.js").status_code == 503


def test_paths_keep_the_single_page_app_up(site: Path) -> None:
    client = TestClient(_app(site, paths=["/api/*"]))

    assert client.get("/").text.startswith("<!doctype html>")
    assert client.get("/assets/app.js").status_code == 200


def test_paths_keep_the_api_in_maintenance(site: Path) -> None:
    client = TestClient(_app(site, paths=["/api/*"]))
    assert client.get("/api/items").status_code == 503


def test_a_route_forced_on_outside_paths_stays_in_maintenance(site: Path) -> None:
    client = TestClient(_app(site, paths=["/api/*"]))
    assert client.get("/status").status_code == 503


def test_paths_are_read_from_their_variable(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_PATHS", "/api/*, /checkout")
    client = TestClient(_app(site))

    assert client.get("/").status_code == 200
    assert client.get("/api/items").status_code == 503


@pytest.mark.parametrize(
    ("patterns", "hint"),
    [(["api/*"], "must start with '/'"), (["/api*"], "not a final '/*'"), ("/api/*", "a single")],
)
def test_a_malformed_pattern_is_refused(patterns: Any, hint: str) -> None:
    with pytest.raises((ValueError, TypeError), match=re.escape(hint)):
        MaintenanceModeMiddleware(FastAPI(), paths=patterns)
