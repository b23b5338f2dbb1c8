"""The pytest rules every remote driver's tests keep: no unclosed resource, no task left
behind, a missing server skipped (failed under CI), the driver's own log lines at hand."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from fastapi_maintenance.backends import BaseStateBackend

#: ``driver_logs(level)``: the driver's messages logged at exactly ``level``.
DriverLogs = Callable[[int], list[str]]


def missing(what: str) -> None:
    """Fail under CI, where the servers are part of the job; skip elsewhere, saying why."""
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)


def resource_warnings_are_errors(items: list[pytest.Item], folder: Path) -> None:
    """Make an unclosed connection or transport an error in every test under ``folder``
    (for a conftest's ``pytest_collection_modifyitems``)."""
    for item in items:
        if folder in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"))


@pytest.fixture(autouse=True)
def no_pending_tasks_or_unclosed_connections(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test after which asyncio reports a destroyed task or an unclosed resource."""
    yield
    gc.collect()
    complaints = [
        r.getMessage()
        for r in caplog.get_records("call") + caplog.get_records("teardown")
        if r.name == "asyncio" and r.levelno >= logging.WARNING
    ]
    assert not complaints, f"asyncio complained: {complaints}"


async def close_all(backends: Sequence[BaseStateBackend]) -> None:
    """Close every backend, then fail if a change feed of their drivers still runs."""
    for backend in backends:
        await backend.aclose()
    for driver in {type(backend) for backend in backends}:
        assert not following_tasks(driver), "aclose() left a background task running"


def following_tasks(driver: type) -> list[asyncio.Task[Any]]:
    """The background tasks of ``driver`` (a driver class) still running in this event loop."""
    follow = f"{driver.__name__}._follow"
    return [
        task for task in asyncio.all_tasks() if not task.done() and follow in repr(task.get_coro())
    ]


def logs_of(caplog: pytest.LogCaptureFixture, logger: str) -> DriverLogs:
    """The messages of ``logger`` (a driver's) logged at exactly a level, from now on."""
    caplog.set_level(logging.DEBUG, logger=logger)

    def at(level: int) -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == logger and r.levelno == level]

    return at


def with_query(url: str, **query: str) -> str:
    """``url`` with more query parameters, whether or not it already has some."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
