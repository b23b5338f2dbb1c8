"""A branded maintenance page in a real headless Chromium: its title shows, its logo and
stylesheet load from the app's own routes (forced off), a hostile message stays text, the
503 keeps its Retry-After, and a bypass link still works from a page made from a template."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    MaintenancePage,
    MaintenanceState,
    force_maintenance_mode_off,
)

from ..admin.support import serving
from ..admin.webdriver import Browser, chromium_for_tests
from .bypass_support import SECRET, token
from .support import DetailsBackend

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOSTILE = '<img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script> & co'
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    '<rect width="120" height="40" fill="#c0005a"/></svg>'
)
STYLE = "h1 { color: rgb(192, 0, 90); } body { background: rgb(255, 248, 240); }"
BRANDED = MaintenancePage(
    title="Acme Shop", logo_url="/brand/logo.svg", stylesheet_url="/brand/style.css"
)
TEMPLATE = """<!doctype html>
<html lang="en"><head><title>$title</title>
<link rel="stylesheet" href="$stylesheet_url"></head>
<body><h1>$title</h1><p id="message">$message</p>$details</body></html>
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium with JavaScript on; skipped without one, a failure in CI."""
    yield from chromium_for_tests(javascript=True)


def branded_shop(page: MaintenancePage, **options: Any) -> tuple[FastAPI, list[str]]:
    """A shop in maintenance with ``page``, serving its brand's files from routes kept up;
    and the list of brand files browsers fetched."""
    fetched: list[str] = []
    app = FastAPI()
    options.setdefault("backend", DetailsBackend(MaintenanceState(on=True, message=HOSTILE)))
    app.add_middleware(MaintenanceModeMiddleware, page=page, retry_after=5400, **options)

    @app.get("/brand/logo.svg")
    @force_maintenance_mode_off
    async def logo(request: Request) -> Response:
        fetched.append(request.url.path)
        return Response(LOGO, media_type="image/svg+xml")

    @app.get("/brand/style.css")
    @force_maintenance_mode_off
    async def style(request: Request) -> Response:
        fetched.append(request.url.path)
        return Response(STYLE, media_type="text/css")

    @app.get("/")
    async def home() -> dict[str, str]:
        return {"shop": "open"}

    return app, fetched


@pytest.fixture
def shop(browser: Browser) -> Iterator[tuple[str, list[str]]]:
    """The branded shop served, and opened in the browser."""
    app, fetched = branded_shop(BRANDED)
    with serving(app) as base:
        browser.open(f"{base}/")
        yield base, fetched


def test_the_title_shows_in_the_tab_and_the_heading(
    browser: Browser, shop: tuple[str, list[str]]
) -> None:
    assert (browser.title, browser.text("h1")) == ("Acme Shop", "Acme Shop")


def test_the_logo_loads_from_its_url(browser: Browser, shop: tuple[str, list[str]]) -> None:
    base, fetched = shop
    loaded = browser.run(
        "var logo = document.querySelector('main > img');"
        "return [logo.currentSrc, logo.complete, logo.naturalWidth];"
    )
    assert loaded == [f"{base}/brand/logo.svg", True, 120]
    assert "/brand/logo.svg" in fetched


def test_the_stylesheet_loads_from_its_url_and_wins(
    browser: Browser, shop: tuple[str, list[str]]
) -> None:
    assert browser.css("h1", "color") == "rgba(192, 0, 90, 1)"
    assert browser.css("body", "background-color") == "rgba(255, 248, 240, 1)"
    assert "/brand/style.css" in shop[1]


def test_a_hostile_message_is_shown_as_text(browser: Browser, shop: tuple[str, list[str]]) -> None:
    assert browser.text("main p") == f"{HOSTILE}."
    ran = browser.run("return [window.pwned, document.querySelectorAll('img, script').length];")
    assert ran == [None, 1]  # nothing ran; the logo is the page's only image or script


def test_the_503_keeps_its_retry_after(browser: Browser, shop: tuple[str, list[str]]) -> None:
    answer = browser.run(
        "return fetch(location.href, {headers: {Accept: 'text/html'}})"
        ".then(function (r) { return [r.status, r.headers.get('retry-after')]; });"
    )
    assert answer == [503, "5400"]
    assert "Please try again in about 1 hour 30 minutes." in browser.text("main")


def test_a_template_page_loads_its_stylesheet_and_escapes_the_message(browser: Browser) -> None:
    app, fetched = branded_shop(
        MaintenancePage(title="Acme Shop", stylesheet_url="/brand/style.css", template=TEMPLATE)
    )
    with serving(app) as base:
        browser.open(f"{base}/")
        assert (browser.title, browser.css("h1", "color")) == ("Acme Shop", "rgba(192, 0, 90, 1)")
        assert browser.text("#message") == f"{HOSTILE}."
        assert browser.run("return window.pwned;") is None
    assert fetched == ["/brand/style.css"]


def test_a_bypass_link_works_from_a_template_page(browser: Browser) -> None:
    app, _ = branded_shop(
        MaintenancePage(template=TEMPLATE.replace("$stylesheet_url", "/brand/style.css")),
        bypass_secret=SECRET,
    )
    with serving(app) as base:
        browser.open(f"{base}/")
        assert browser.text("#message") == f"{HOSTILE}."
        browser.open(f"{base}/#maintenance_bypass={token()}")
        browser.wait_for_text_in("body", '"shop":"open"')
        assert browser.url == f"{base}/"
