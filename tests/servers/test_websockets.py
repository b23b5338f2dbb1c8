"""A WebSocket refused for maintenance is closed with 1013, or 4013 where the server
refuses 1013 (daphne), or denied with the 503 on trio; the server logs no error for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.types import Message, Receive, Scope, Send
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance.responses import DEFAULT_RETRY_AFTER

from ._processes import HOST, SERVERS, Server
from .conftest import FRAMEWORKS, Served, matrix_only, serve_in

#: What each server's clients see for a WebSocket refused for maintenance: a close code and
#: reason (daphne refuses 1013 and sends no reasons at all), or on trio an HTTP denial.
REFUSALS = (
    {name: ("closed", 1013, "maintenance") for name in SERVERS}
    | {"daphne": ("closed", 4013, "")}
    | {"hypercorn-trio": ("denied", 503, str(DEFAULT_RETRY_AFTER))}
)
DEFAULT_SERVERS = {"uvicorn", "daphne", "hypercorn-trio"}


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(server, id=name, marks=() if name in DEFAULT_SERVERS else matrix_only)
        for name, server in SERVERS.items()
    ],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    server: Server = request.param
    served = serve_in(tmp_path_factory.mktemp(f"ws-{server}"), server, FRAMEWORKS["fastapi"].target)
    yield served
    served.running.stop()


def refusal(served: Served) -> tuple[str, int, str | None]:
    """Connect to ``/ws``: ``("closed", code, reason)`` of the close that ends the
    connection, or ``("denied", status, Retry-After)`` of a handshake answered over HTTP."""
    url = f"ws://{HOST}:{served.running.port}/ws"
    try:
        with connect(url, open_timeout=5) as websocket, pytest.raises(ConnectionClosed) as closed:
            while True:
                websocket.recv(timeout=5)
    except InvalidStatus as denied:
        return "denied", denied.response.status_code, denied.response.headers.get("Retry-After")
    assert closed.value.rcvd is not None, "the server closed without a close frame"
    return "closed", closed.value.rcvd.code, closed.value.rcvd.reason


def test_websocket_is_served_when_maintenance_is_off(served: Served) -> None:
    served.set_maintenance(False)
    with connect(f"ws://{HOST}:{served.running.port}/ws", open_timeout=5) as websocket:
        assert websocket.recv(timeout=5) == "hello"


def test_refused_websocket_gets_the_maintenance_refusal_the_server_allows(
    served: Served,
) -> None:
    served.set_maintenance(True)

    assert refusal(served) == REFUSALS[served.running.server.name]


def test_refused_websocket_leaves_no_traceback_in_the_server_log(served: Served) -> None:
    served.set_maintenance(True)

    refusal(served)
    refusal(served)

    assert "Traceback" not in served.running.output()


@pytest.mark.anyio
async def test_server_refusing_both_close_codes_is_logged_once_and_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def unreachable(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("a refused WebSocket reached the app")

    app = MaintenanceModeMiddleware(unreachable, enable_maintenance=True)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def strict_send(message: Message) -> None:
        if message["type"] == "websocket.close" and message["code"] != 1000:
            raise ValueError(f"invalid close code {message['code']}")
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    for _ in range(2):
        await app(scope, receive, strict_send)

    assert sent == [{"type": "websocket.accept"}] * 2
    assert len([r for r in caplog.records if "refused to close a WebSocket" in r.message]) == 1


async def refused_in_process(extensions: dict[str, object]) -> list[Message]:
    """The messages the middleware sends to refuse a WebSocket, in this event loop."""

    async def unreachable(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("a refused WebSocket reached the app")

    app = MaintenanceModeMiddleware(unreachable, enable_maintenance=True)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "extensions": extensions}
    await app(scope, receive, send)
    return sent


DENIAL = {"websocket.http.response": {}}


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_on_trio_the_handshake_is_answered_with_the_503(anyio_backend: str) -> None:
    start, *_ = await refused_in_process(DENIAL)

    assert start["type"] == "websocket.http.response.start"
    assert start["status"] == 503
    assert (b"retry-after", str(DEFAULT_RETRY_AFTER).encode()) in start["headers"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_on_trio_without_denial_responses_the_websocket_is_closed(
    anyio_backend: str,
) -> None:
    sent = await refused_in_process({})

    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]


@pytest.mark.anyio
async def test_on_asyncio_the_websocket_is_closed_even_with_denial_responses() -> None:
    sent = await refused_in_process(DENIAL)

    assert sent[-1] == {"type": "websocket.close", "code": 1013, "reason": "maintenance"}
