"""FastAPI's recipe for self-hosted docs keeps working during maintenance, assets included."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance._request.routes import DOCS_ASSETS

pytestmark = pytest.mark.anyio


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    """The folder the recipe downloads Swagger UI and ReDoc into, plus a file of the app."""
    folder = tmp_path / "static"
    folder.mkdir()
    for name in DOCS_ASSETS:
        (folder / name).write_text(f"/* {name} */")
    (folder / "report.pdf").write_text("the app's own file")
    return folder


def _self_hosted_docs(static_dir: Path) -> FastAPI:
    """The recipe of FastAPI's "Custom Docs UI Static Assets (Self-Hosting)" page."""
    app = FastAPI(docs_url=None, redoc_url=None)
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    @app.get("/docs", include_in_schema=False)
    async def custom_swagger_ui_html() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=app.title + " - Swagger UI",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            swagger_js_url="/static/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui.css",
        )

    @app.get(str(app.swagger_ui_oauth2_redirect_url), include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc_html() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=str(app.openapi_url),
            title=app.title + " - ReDoc",
            redoc_js_url="/static/redoc.standalone.js",
        )

    @app.get("/items")
    async def items() -> list[int]:
        return [1]

    return app


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_every_local_file_a_docs_page_loads_is_served(
    client_for: Any, static_dir: Path, page: str
) -> None:
    client = client_for(_self_hosted_docs(static_dir))
    html = await client.get(page)
    assert html.status_code == 200
    local = [url for url in re.findall(r'(?:src|href)="([^"]+)"', html.text) if url[0] == "/"]
    assert local
    for url in local:
        assert (await client.get(url)).status_code == 200, url
    assert (await client.get("/openapi.json")).status_code == 200


async def test_other_files_of_the_same_mount_are_in_maintenance(
    client_for: Any, static_dir: Path
) -> None:
    client = client_for(_self_hosted_docs(static_dir))
    assert (await client.get("/static/report.pdf")).status_code == 503
    assert (await client.get("/items")).status_code == 503
