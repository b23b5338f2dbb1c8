"""A bypass link opened in a real headless Chromium, against a real uvicorn writing its
default access log: the link works, and its token is written nowhere in that log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fastapi_maintenance._request.tokens import Signer

from ..admin.webdriver import Browser, chromium_for_tests
from ._processes import SERVERS, Running, start
from .conftest import FRAMEWORKS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET = "link-test-secret-7f3a9c1e5b2d8046"
ENV = {
    "FASTAPI_MAINTENANCE_BACKEND": "env",
    "FASTAPI_MAINTENANCE_MODE": "1",
    "FASTAPI_MAINTENANCE_BYPASS_SECRET": SECRET,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The FastAPI test app in maintenance, under uvicorn with its access log on (the default)."""
    folder: Path = tmp_path_factory.mktemp("bypass-link")
    running = start(SERVERS["uvicorn"], FRAMEWORKS["fastapi"].target, ENV, folder / "server.log")
    try:
        assert running.wait_ready(), running.output()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium with JavaScript on; skipped without one, a failure in CI."""
    yield from chromium_for_tests(javascript=True)


def test_a_link_lets_the_browser_through_and_its_token_is_never_logged(
    server: Running, browser: Browser
) -> None:
    token = Signer([SECRET]).token(600)
    browser.open(f"{server.url}/")
    assert "Down for maintenance" in browser.text("h1")
    browser.open(f"{server.url}/#maintenance_bypass={token}")
    assert '"started":true' in browser.wait_for_text_in("body", "started")
    assert browser.url == f"{server.url}/"
    browser.open(f"{server.url}/")  # the cookie keeps the browser through
    assert '"started":true' in browser.wait_for_text_in("body", "started")
    log = server.output()
    assert '"POST /?maintenance_bypass HTTP/1.1" 204' in log
    assert token not in log
    assert token.split(".")[1] not in log


def test_a_token_in_the_query_string_does_not_let_a_request_through(server: Running) -> None:
    token = Signer([SECRET]).token(600)
    response = server.get(f"/?maintenance_bypass={token}")
    assert response.status_code == 503
    assert "set-cookie" not in response.headers
