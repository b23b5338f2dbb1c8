"""The 503 response of a state with a message, a window or read-only: JSON, HTML, Retry-After."""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from fastapi_maintenance import MaintenanceState, maintenance_response
from fastapi_maintenance.responses import DEFAULT_DETAIL, STATE_SCOPE_KEY, retry_after_for

from .support import DetailsBackend, shop_app

pytestmark = pytest.mark.anyio

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fastapi_maintenance._support.clock.now", NOW.timestamp)


def upgrade(**details: Any) -> MaintenanceState:
    """On, ending at 13:30 UTC, with a message."""
    values: dict[str, Any] = {
        "on": True,
        "message": "Database upgrade, back at 13:30 UTC",
        "ends_at": NOW + timedelta(minutes=90),
    }
    return MaintenanceState(**{**values, **details})


async def blocked(client_for: Any, state: MaintenanceState, **headers: str) -> Any:
    client = client_for(shop_app(backend=DetailsBackend(state)))
    response = await client.post("/items", headers=headers)
    assert response.status_code == 503
    return response


# JSON ----------------------------------------------------------------------------------


async def test_json_detail_is_the_message(client_for: Any) -> None:
    assert (await blocked(client_for, upgrade())).json()["detail"] == (
        "Database upgrade, back at 13:30 UTC"
    )


async def test_json_detail_is_the_default_sentence_without_a_message(client_for: Any) -> None:
    response = await blocked(client_for, upgrade(message=None))
    assert response.json()["detail"] == DEFAULT_DETAIL


async def test_json_carries_the_state_in_a_maintenance_object(client_for: Any) -> None:
    response = await blocked(client_for, upgrade(read_only=True, starts_at=NOW))
    assert response.json()["maintenance"] == {
        "read_only": True,
        "message": "Database upgrade, back at 13:30 UTC",
        "starts_at": "2030-06-01T12:00:00+00:00",
        "ends_at": "2030-06-01T13:30:00+00:00",
        "retry_after": 5400,
    }


async def test_allow_lists_alone_bring_the_maintenance_object(client_for: Any) -> None:
    state = MaintenanceState(on=True, allow_paths=("/internal/*",))
    response = await blocked(client_for, state)
    assert response.json()["maintenance"]["read_only"] is False


async def test_who_and_when_alone_keep_0_0_5s_body(client_for: Any) -> None:
    state = MaintenanceState(on=True, updated_by="ops", updated_at=NOW)
    response = await blocked(client_for, state)
    assert response.json() == {"detail": DEFAULT_DETAIL}


async def test_retry_after_counts_down_to_the_end(client_for: Any) -> None:
    response = await blocked(client_for, upgrade())
    assert response.headers["retry-after"] == "5400"


async def test_retry_after_is_the_configured_default_without_an_end(client_for: Any) -> None:
    client = client_for(shop_app(backend=DetailsBackend(upgrade(ends_at=None)), retry_after=120))
    assert (await client.get("/items")).headers["retry-after"] == "120"


@given(left=st.floats(min_value=-5, max_value=10 * 86400, allow_nan=False))
def test_retry_after_is_the_time_left_rounded_up_and_at_least_one(left: float) -> None:
    ends = NOW + timedelta(days=20)
    state = MaintenanceState(on=True, ends_at=ends)
    now = ends.timestamp() - left
    assert retry_after_for(state, 3600, now) == max(1, math.ceil(ends.timestamp() - now))


@given(default=st.none() | st.integers(min_value=0, max_value=10**6))
def test_retry_after_without_an_end_is_the_default(default: int | None) -> None:
    assert retry_after_for(MaintenanceState(on=True), default, NOW.timestamp()) == default


MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [timezone.utc, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
    ),
)


@given(
    message=st.none() | st.text(max_size=500),
    read_only=st.booleans(),
    start=st.none() | MOMENTS,
    span=st.none() | st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)),
)
def test_the_maintenance_object_encodes_any_state(
    message: str | None, read_only: bool, start: datetime | None, span: timedelta | None
) -> None:
    end = None if span is None else (start or NOW) + span
    state = MaintenanceState(
        on=True, read_only=read_only, message=message, starts_at=start, ends_at=end
    )
    response = maintenance_response(_request(), 60, state=state)
    assert isinstance(response, JSONResponse)
    body = json.loads(bytes(response.body))
    assert body["detail"] == (message if message is not None else DEFAULT_DETAIL)
    if not state.has_details:
        assert list(body) == ["detail"], "a plain state answers 0.0.5's body"
        return
    fields = body["maintenance"]
    assert (fields["read_only"], fields["message"]) == (read_only, message)
    for name, moment in (("starts_at", start), ("ends_at", end)):
        if moment is None:
            assert fields[name] is None
        else:
            parsed = datetime.fromisoformat(fields[name])
            assert parsed == moment and parsed.utcoffset() == timedelta(0)
    assert str(fields["retry_after"]) == response.headers["retry-after"]


# HTML ----------------------------------------------------------------------------------


async def test_html_page_shows_the_message_escaped(client_for: Any) -> None:
    state = upgrade(message="<script>alert(1)</script> & back soon")
    page = (await blocked(client_for, state, accept=BROWSER)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; back soon" in page
    assert "<script>" not in page


async def test_html_page_shows_the_end_as_a_time_element(client_for: Any) -> None:
    page = (await blocked(client_for, upgrade(), accept=BROWSER)).text
    assert '<time datetime="2030-06-01T13:30:00+00:00">2030-06-01 13:30 UTC</time>' in page


async def test_html_page_says_when_the_site_is_read_only(client_for: Any) -> None:
    page = (await blocked(client_for, upgrade(read_only=True), accept=BROWSER)).text
    assert "read-only" in page


async def test_html_page_stays_self_contained(client_for: Any) -> None:
    page = (await blocked(client_for, upgrade(), accept=BROWSER)).text
    assert not re.search(r"<(script|link|img)\b|\bsrc=|\bhref=", page)


# read-only -----------------------------------------------------------------------------


def preflight_app(state: MaintenanceState) -> Any:
    """The shop with an explicit ``OPTIONS`` handler on ``/items``, as a CORS preflight meets."""
    app = shop_app(backend=DetailsBackend(state))
    app.add_api_route("/items", lambda: {"preflight": "passed"}, methods=["OPTIONS"])
    return app


async def test_read_only_lets_options_reach_its_handler(client_for: Any) -> None:
    client = client_for(preflight_app(MaintenanceState(on=True, read_only=True)))
    response = await client.options("/items")
    assert (response.status_code, response.json()) == (200, {"preflight": "passed"})


async def test_full_maintenance_blocks_options_on_the_same_route(client_for: Any) -> None:
    response = await client_for(preflight_app(MaintenanceState(on=True))).options("/items")
    assert response.status_code == 503


# response handlers ---------------------------------------------------------------------


async def test_a_response_handler_reads_the_state_from_the_scope(client_for: Any) -> None:
    def handler(request: Request) -> Response:
        state = request.scope[STATE_SCOPE_KEY]
        return JSONResponse({"notice": state.message}, status_code=503)

    app = shop_app(backend=DetailsBackend(upgrade()), response_handler=handler)
    response = await client_for(app).get("/items")
    assert response.json() == {"notice": "Database upgrade, back at 13:30 UTC"}


async def test_a_0_0_5_style_handler_calling_maintenance_response_gets_the_message(
    client_for: Any,
) -> None:
    def handler(request: Request) -> Response:
        return maintenance_response(request, 60)

    app = shop_app(backend=DetailsBackend(upgrade()), response_handler=handler)
    response = await client_for(app).get("/items")
    assert response.json()["detail"] == "Database upgrade, back at 13:30 UTC"
    assert response.headers["retry-after"] == "5400"


async def test_a_handler_passing_its_own_detail_keeps_it(client_for: Any) -> None:
    def handler(request: Request) -> Response:
        return maintenance_response(request, 60, "Our own words")

    app = shop_app(backend=DetailsBackend(upgrade()), response_handler=handler)
    assert (await client_for(app).get("/items")).json()["detail"] == "Our own words"


def test_maintenance_response_takes_the_state_as_a_keyword() -> None:
    response = maintenance_response(_request(), state=upgrade(message="Back at 13:30"))
    assert b'"detail":"Back at 13:30"' in bytes(response.body)


def test_maintenance_response_without_a_state_is_0_0_5s() -> None:
    response = maintenance_response(_request(), 120)
    assert response.headers["retry-after"] == "120"
    assert b'"detail":"Service temporarily unavailable due to maintenance"' in bytes(response.body)


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": []})
