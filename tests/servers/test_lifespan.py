"""The app's lifespan runs through the middleware, startup and shutdown, on every server
that speaks the lifespan protocol."""

from __future__ import annotations

import pytest

from ._processes import SERVERS, Server
from .conftest import FRAMEWORKS, Serve

LIFESPAN_SERVERS = [server for server in SERVERS.values() if server.lifespan]


@pytest.mark.parametrize("server", LIFESPAN_SERVERS, ids=str)
def test_shutdown_runs_when_the_server_stops(serve: Serve, server: Server) -> None:
    served = serve(server, FRAMEWORKS["fastapi"].target)

    served.running.stop()

    assert served.lifespan_events() == ["startup", "shutdown"]
