"""The app's lifespan runs through the middleware, startup and shutdown, on every server
that speaks the lifespan protocol."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ._processes import SERVERS, START_TIMEOUT, Server, start
from .conftest import FRAMEWORKS, Serve

LIFESPAN_SERVERS = [server for server in SERVERS.values() if server.lifespan]


@pytest.mark.parametrize("server", LIFESPAN_SERVERS, ids=str)
def test_shutdown_runs_when_the_server_stops(serve: Serve, server: Server) -> None:
    served = serve(server, FRAMEWORKS["fastapi"].target)

    served.running.stop()

    assert served.lifespan_events() == ["startup", "shutdown"]


#: uvicorn's default, under which an app raising before its startup counts as having no lifespan.
UVICORN_AUTO = Server(
    "uvicorn-lifespan-auto",
    lambda target, port: [sys.executable, "-m", "uvicorn", target, "--port", str(port)],
)
#: A mistake in a variable, read when Starlette builds the middleware on the first ASGI call.
MISTAKE = {"FASTAPI_MAINTENANCE_ALLOW_IPS": "the-office"}


@pytest.mark.slow
@pytest.mark.parametrize("server", [UVICORN_AUTO, *LIFESPAN_SERVERS], ids=str)
def test_a_configuration_mistake_stops_the_server_at_startup(
    server: Server, tmp_path: Path
) -> None:
    running = start(server, FRAMEWORKS["fastapi"].target, MISTAKE, tmp_path / "server.log")
    try:
        code = running.wait_exit(START_TIMEOUT)
    finally:
        running.stop()

    # Exited (hypercorn with status 0, the others with an error), naming what was wrong.
    assert code is not None, f"{server} kept serving:\n{running.output()}"
    assert "FASTAPI_MAINTENANCE_ALLOW_IPS: 'the-office' is not an address" in running.output()
