"""A request a scope blocks, in a real headless Chromium: the page shows the scope's message
(as text), and an API client's JSON body names the scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware, MaintenanceScope, MaintenanceState

from ..admin.support import DetailsMemoryBackend, serving
from ..admin.webdriver import Browser, chromium_for_tests

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MESSAGE = "Payments are paused <b>until 03:00 UTC</b> & refunds too"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium with JavaScript on; skipped without one, a failure in CI."""
    yield from chromium_for_tests(javascript=True)


@pytest.fixture
def shop() -> Iterator[str]:
    """A shop whose billing routes a scope puts in maintenance for an hour, served."""
    scope = MaintenanceScope(
        name="billing-down",
        paths=("/billing/*",),
        message=MESSAGE,
        ends_at=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    app = FastAPI()
    backend = DetailsMemoryBackend(MaintenanceState(scopes=(scope,)))
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)

    @app.get("/billing/invoices")
    async def invoices() -> dict[str, list[int]]:
        return {"invoices": [1, 2]}

    @app.get("/catalog")
    async def catalog() -> dict[str, list[str]]:
        return {"catalog": ["tea"]}

    with serving(app) as base:
        yield base


def test_the_page_shows_the_scopes_message_as_text(browser: Browser, shop: str) -> None:
    browser.open(f"{shop}/billing/invoices")

    assert MESSAGE in browser.wait_for_text_in("main", MESSAGE)
    assert browser.run("return document.querySelectorAll('main b').length;") == 0


def test_the_json_body_names_the_scope_and_its_retry_after(shop: str) -> None:
    response = httpx.get(f"{shop}/billing/invoices", headers={"accept": "application/json"})

    assert response.status_code == 503
    body = response.json()
    assert (body["detail"], body["maintenance"]["scope"]) == (MESSAGE, "billing-down")
    assert body["maintenance"]["message"] == MESSAGE
    assert 3590 <= int(response.headers["retry-after"]) <= 3600
