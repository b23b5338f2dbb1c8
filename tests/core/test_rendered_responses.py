"""The default 503 is rendered once per state and sent again as it was: what it says still
follows the state, the clock and the request, and nobody outside can change the kept copy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance._request.rendered import RenderedResponses

from .support import DETAIL, DetailsBackend, shop_app

pytestmark = pytest.mark.anyio


class _AddsHeader:
    """An outer middleware that adds a header to the message it is given, in place (as
    Starlette's ``MutableHeaders(scope=message)`` does)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def adding(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-outer", b"1"))
            await send(message)

        await self.app(scope, receive, adding)


async def test_a_header_added_outside_is_not_kept_for_the_next_response(client_for: Any) -> None:
    backend = DetailsBackend(MaintenanceState(on=True))
    client = client_for(_AddsHeader(shop_app(backend=backend)))

    for _ in range(3):
        response = await client.get("/items")
        assert response.headers.get_list("x-outer") == ["1"]


async def test_a_new_state_is_rendered_anew(client_for: Any) -> None:
    backend = DetailsBackend(MaintenanceState(on=True))
    client = client_for(shop_app(backend=backend))
    assert (await client.get("/items")).json() == DETAIL

    backend.state = MaintenanceState(on=True, message="Back at three")

    assert (await client.get("/items")).json()["detail"] == "Back at three"


async def test_retry_after_still_counts_down_to_the_end(
    client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime(2099, 1, 1, tzinfo=timezone.utc)
    clock = {"now": now.timestamp()}
    monkeypatch.setattr("fastapi_maintenance._support.clock.now", lambda: clock["now"])
    backend = DetailsBackend(MaintenanceState(on=True, ends_at=now + timedelta(minutes=10)))
    client = client_for(shop_app(backend=backend))

    first = await client.get("/items")
    clock["now"] += 60
    second = await client.get("/items")

    assert (first.headers["retry-after"], second.headers["retry-after"]) == ("600", "540")
    assert second.json()["maintenance"]["retry_after"] == 540


async def test_browsers_and_api_clients_each_get_their_own(client_for: Any) -> None:
    client = client_for(shop_app(backend=DetailsBackend(MaintenanceState(on=True))))

    page = await client.get("/items", headers={"Accept": "text/html"})
    body = await client.get("/items", headers={"Accept": "application/json"})

    assert page.headers["content-type"].startswith("text/html")
    assert body.json() == DETAIL


async def test_the_responses_kept_stay_bounded_as_states_come_and_go() -> None:
    rendered = RenderedResponses(60)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    for number in range(1000):
        state = MaintenanceState(on=True, message=f"step {number}")
        scope = {"type": "http", "headers": [], "fastapi_maintenance.state": state}
        await rendered.send(scope, send)

    assert len(rendered._kept) <= 64
    assert b"step 999" in sent[-1]["body"]


async def test_the_first_response_without_a_state_is_the_full_one() -> None:
    """A route forced on while maintenance is off puts no state in the scope."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await RenderedResponses(60).send({"type": "http", "headers": []}, send)

    assert sent[0]["status"] == 503
    assert (b"retry-after", b"60") in sent[0]["headers"]
    assert json.loads(sent[1]["body"]) == DETAIL
