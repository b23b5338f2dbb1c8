"""The default maintenance response and the middleware options that shape it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware

from .support import DETAIL, shop_app

pytestmark = pytest.mark.anyio

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_retry_after_can_be_chosen(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, retry_after=120))
    assert (await client.get("/items")).headers["retry-after"] == "120"


async def test_retry_after_zero_is_sent_as_zero(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, retry_after=0))
    assert (await client.get("/items")).headers["retry-after"] == "0"


async def test_html_and_json_equally_acceptable_get_json(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    response = await client.get("/items", headers={"accept": "text/plain, */*"})
    assert (response.headers["content-type"], response.json()) == ("application/json", DETAIL)


async def test_retry_after_none_leaves_the_header_out(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, retry_after=None))
    response = await client.get("/items")
    assert (response.status_code, response.json()) == (503, DETAIL)
    assert "retry-after" not in response.headers


async def test_maintenance_response_is_not_cached(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    assert (await client.get("/items")).headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (1, "1 second"),
        (45, "45 seconds"),
        (120, "2 minutes"),
        (61 * 60, "1 hour 1 minute"),
        (90 * 60, "1 hour 30 minutes"),
        (150 * 60, "2 hours 30 minutes"),
        (7200, "2 hours"),
        (3 * 3600, "3 hours"),
        (3 * 3600 - 20, "3 hours"),
    ],
)
async def test_html_page_says_when_to_come_back(client_for: Any, seconds: int, words: str) -> None:
    client = client_for(shop_app(enable_maintenance=True, retry_after=seconds))
    page = (await client.get("/items", headers={"accept": BROWSER})).text
    assert f"Please try again in about {words}." in page


async def test_head_request_gets_the_status_without_a_body(client_for: Any) -> None:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    app.add_api_route("/page", lambda: "page", methods=["GET", "HEAD"])
    response = await client_for(app).head("/page")
    assert response.status_code == 503


@pytest.mark.parametrize("retry_after", [-1, 1.5, "3600", True])
def test_bad_retry_after_is_refused_clearly(retry_after: Any) -> None:
    with pytest.raises(ValueError, match="retry_after must be a whole number of seconds"):
        MaintenanceModeMiddleware(FastAPI(), retry_after=retry_after)


@pytest.mark.parametrize("state_timeout", [0, -1.0, float("nan"), "1"])
def test_bad_state_timeout_is_refused_clearly(state_timeout: Any) -> None:
    with pytest.raises(ValueError, match="state_timeout must be a number of seconds > 0"):
        MaintenanceModeMiddleware(FastAPI(), state_timeout=state_timeout)
