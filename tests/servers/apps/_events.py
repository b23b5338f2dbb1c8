"""What the apps share: the lifespan event log and the health check exemption."""

from __future__ import annotations

import os

from starlette.requests import HTTPConnection

#: Names the file every lifespan event (``startup``, ``shutdown``) is appended to.
LIFESPAN_LOG_VAR = "SERVERS_TEST_LIFESPAN_LOG"

started = False


def record(event: str) -> None:
    """Note a lifespan event, in memory and in the log file the test reads."""
    global started
    started = started or event == "startup"
    path = os.environ.get(LIFESPAN_LOG_VAR)
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(event + "\n")


def is_health_check(connection: HTTPConnection) -> bool:
    """The ``exempt_handler`` of apps without a Starlette route table."""
    return connection.url.path == "/health"
