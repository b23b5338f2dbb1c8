"""Windows, read-only mode and the scheduled-window header, with a clock the tests move."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceState,
    force_maintenance_mode_off,
    maintenance_mode_on,
)

from .support import DetailsBackend, shop_app, websocket_session

pytestmark = pytest.mark.anyio

NOON = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)


class Clock:
    """The time the middleware and the responses see, moved by hand."""

    def __init__(self, at: datetime) -> None:
        self.now = at

    def __call__(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """Replace the package's clock: noon, 1 June 2030, until the test moves it."""
    fake = Clock(NOON)
    monkeypatch.setattr("fastapi_maintenance._support.clock.now", fake)
    yield fake


def window(
    start: float | None = None, end: float | None = None, **details: Any
) -> MaintenanceState:
    """A state that is on, with a window ``start``..``end`` seconds from noon."""
    return MaintenanceState(
        on=True,
        starts_at=None if start is None else NOON + timedelta(seconds=start),
        ends_at=None if end is None else NOON + timedelta(seconds=end),
        **details,
    )


Client = Callable[..., Any]


async def test_a_scheduled_window_does_not_block_before_it_starts(
    client_for: Client, clock: Clock
) -> None:
    client = client_for(shop_app(backend=DetailsBackend(window(start=60, end=120))))
    assert (await client.get("/items")).status_code == 200


async def test_a_window_blocks_from_its_start_without_anybody_writing(
    client_for: Client, clock: Clock
) -> None:
    client = client_for(shop_app(backend=DetailsBackend(window(start=60, end=120))))
    clock.advance(60)
    assert (await client.get("/items")).status_code == 503


async def test_a_window_stops_blocking_at_its_end(client_for: Client, clock: Clock) -> None:
    client = client_for(shop_app(backend=DetailsBackend(window(start=60, end=120))))
    clock.advance(119.9)
    assert (await client.get("/items")).status_code == 503
    clock.advance(0.1)
    assert (await client.get("/items")).status_code == 200


async def test_the_window_is_checked_with_no_read_of_the_store(
    client_for: Client, clock: Clock
) -> None:
    backend = DetailsBackend(window(start=60, end=120))
    client = client_for(shop_app(backend=backend))
    for _ in range(3):
        await client.get("/items")
        clock.advance(60)
    assert backend.reads == 0


async def test_a_driver_without_a_cache_is_asked_for_the_whole_state(
    client_for: Client, clock: Clock
) -> None:
    class Uncached(DetailsBackend):
        def cached_state(self) -> None:  # type: ignore[override]
            return None

    backend = Uncached(window(end=120, message="Back soon"))
    response = await client_for(shop_app(backend=backend)).get("/items")
    assert (response.status_code, response.json()["detail"]) == (503, "Back soon")
    assert backend.reads == 1


async def test_an_unreadable_full_state_keeps_the_last_known_one(
    client_for: Client, clock: Clock
) -> None:
    class Breaking(DetailsBackend):
        broken = False

        def cached_state(self) -> None:  # type: ignore[override]
            return None

        async def get_state(self) -> MaintenanceState:
            if self.broken:
                raise ConnectionError("store unreachable")
            return await super().get_state()

    backend = Breaking(window(message="Back soon"))
    client = client_for(shop_app(backend=backend))
    assert (await client.get("/items")).status_code == 503
    backend.broken = True
    response = await client.get("/items")
    assert (response.status_code, response.json()["detail"]) == (503, "Back soon")


# read-only -----------------------------------------------------------------------------

READ_ONLY = MaintenanceState(on=True, read_only=True)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
async def test_read_only_lets_reads_through(client_for: Client, method: str) -> None:
    client = client_for(shop_app(backend=DetailsBackend(READ_ONLY)))
    response = await client.request(method, "/items")
    assert response.status_code != 503


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_read_only_blocks_writes_with_read_only_in_the_body(
    client_for: Client, method: str
) -> None:
    app = shop_app(backend=DetailsBackend(READ_ONLY))
    app.add_api_route("/items", lambda: {"changed": True}, methods=["PUT", "PATCH", "DELETE"])
    response = await client_for(app).request(method, "/items")
    assert response.status_code == 503
    assert response.json()["maintenance"]["read_only"] is True


async def test_read_only_refuses_websocket_handshakes() -> None:
    sent = await websocket_session(shop_app(backend=DetailsBackend(READ_ONLY)), "/ws", "hi")
    assert sent[-1]["type"] == "websocket.close" and sent[-1]["code"] == 1013


async def test_read_only_keeps_routes_forced_off_writable(client_for: Client) -> None:
    app = shop_app(backend=DetailsBackend(READ_ONLY))

    @app.post("/orders")
    @force_maintenance_mode_off
    async def order() -> dict[str, bool]:
        return {"ordered": True}

    assert (await client_for(app).post("/orders")).status_code == 200


async def test_read_only_still_blocks_a_route_forced_on_for_reads(client_for: Client) -> None:
    client = client_for(shop_app(backend=DetailsBackend(READ_ONLY)))
    assert (await client.get("/legacy")).status_code == 503


async def test_a_maintenance_block_blocks_reads_too_over_a_read_only_state(
    client_for: Client,
) -> None:
    backend = DetailsBackend(READ_ONLY)
    client = client_for(shop_app(backend=backend))
    async with maintenance_mode_on(backend):
        assert (await client.get("/items")).status_code == 503


async def test_read_only_applies_only_within_its_window(client_for: Client, clock: Clock) -> None:
    backend = DetailsBackend(window(start=60, read_only=True))
    client = client_for(shop_app(backend=backend))
    assert (await client.post("/items")).status_code == 200
    clock.advance(60)
    assert (await client.post("/items")).status_code == 503
    assert (await client.get("/items")).status_code == 200


# announcing a scheduled window ---------------------------------------------------------

HEADER = "x-maintenance-scheduled"


async def test_a_scheduled_window_is_announced_when_asked(client_for: Client, clock: Clock) -> None:
    backend = DetailsBackend(window(start=60, end=120))
    response = await client_for(shop_app(backend=backend, announce_schedule=True)).get("/items")
    assert (response.status_code, response.headers[HEADER]) == (200, "2030-06-01T12:01:00+00:00")


async def test_a_scheduled_window_is_not_announced_by_default(
    client_for: Client, clock: Clock
) -> None:
    backend = DetailsBackend(window(start=60, end=120))
    response = await client_for(shop_app(backend=backend)).get("/items")
    assert HEADER not in response.headers


@pytest.mark.parametrize("at", [0, 120], ids=["no window", "window over"])
async def test_nothing_is_announced_without_a_window_to_come(
    client_for: Client, clock: Clock, at: float
) -> None:
    backend = DetailsBackend(window(start=60, end=120) if at else MaintenanceState())
    clock.advance(at)
    response = await client_for(shop_app(backend=backend, announce_schedule=True)).get("/items")
    assert response.status_code == 200 and HEADER not in response.headers


async def test_maintenance_off_reads_no_clock(
    client_for: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[float] = []
    monkeypatch.setattr("fastapi_maintenance._support.clock.now", lambda: reads.append(0) or 0.0)
    client = client_for(shop_app(backend=DetailsBackend(MaintenanceState())))
    assert (await client.get("/items")).status_code == 200
    assert reads == []


async def test_a_read_only_store_serving_a_state_of_its_own_is_asked_for_it(
    client_for: Client,
) -> None:
    class ConfigMap(BaseStateBackend):
        """Written from outside, like env: it cannot store details but serves them."""

        read_only = True

        async def get_value(self) -> bool:
            return True

        async def set_value(self, value: bool) -> None:
            return None

        def cached_state(self) -> MaintenanceState:
            return READ_ONLY

    client = client_for(shop_app(backend=ConfigMap()))
    assert (await client.get("/items")).status_code == 200
    assert (await client.post("/items")).status_code == 503
