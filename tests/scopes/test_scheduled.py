"""A scope scheduled ahead of time starts and ends on time in three uvicorn processes that
share a state file, by each process's clock, with nobody writing at either moment."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from fastapi_maintenance import MaintenanceScope, set_maintenance_scope
from fastapi_maintenance.backends import create_backend

from .conftest import MakeFleet, wait_for

pytestmark = pytest.mark.slow

#: How late a process may start or stop blocking: the window is checked against the clock
#: on every request, the file looked at twice a second.
ON_TIME = 1.0
LEAD = timedelta(seconds=2)
LENGTH = timedelta(seconds=2)
MESSAGE = "Exports are paused for two seconds"


@dataclass(frozen=True)
class Seen:
    """One answer of one process: sent at ``sent``, received at ``received`` (POSIX time)."""

    process: int
    sent: float
    received: float
    status: int
    #: The scope named by the 503's JSON body, and its ``detail``.
    blocked_by: tuple[object, object] | None


def test_a_scheduled_scope_starts_and_ends_by_the_clock_in_every_process(
    make_fleet: MakeFleet, file_backend_url: str
) -> None:
    fleet = make_fleet(file_backend_url)
    servers = [fleet.launch("unnamed") for _ in range(3)]
    wait_for(servers, [200, 200, 200])
    starts_at = datetime.now(timezone.utc) + LEAD
    ends_at = starts_at + LENGTH
    scope = MaintenanceScope(
        name="export-window", paths=("/*",), message=MESSAGE, starts_at=starts_at, ends_at=ends_at
    )
    asyncio.run(set_maintenance_scope(scope, create_backend(file_backend_url)))
    state_file = Path(file_backend_url.removeprefix("file://"))
    written = (state_file.stat().st_mtime_ns, state_file.read_bytes())

    seen = _watch([server.url + "/" for server in servers], until=ends_at.timestamp() + 1.5)

    assert (state_file.stat().st_mtime_ns, state_file.read_bytes()) == written, "a write happened"
    start, end = starts_at.timestamp(), ends_at.timestamp()
    for number in range(len(servers)):
        answers = [s for s in seen if s.process == number]
        early = [s for s in answers if s.status == 503 and s.received < start]
        late_on = [s for s in answers if s.status != 503 and start + ON_TIME <= s.sent < end]
        late_off = [s for s in answers if s.status == 503 and s.sent >= end + ON_TIME]
        assert not early, f"process {number} blocked before the scope's start: {early}"
        assert not late_on, f"process {number} did not block within {ON_TIME}s: {late_on}"
        assert not late_off, f"process {number} still blocked {ON_TIME}s after the end: {late_off}"
        assert any(s.status == 503 for s in answers), f"process {number} never blocked"
        assert {s.blocked_by for s in answers if s.status == 503} == {("export-window", MESSAGE)}
        assert answers[-1].status == 200


def _watch(urls: list[str], until: float) -> list[Seen]:
    """Ask every process in turn, every 50 ms, until the POSIX time ``until``."""
    seen: list[Seen] = []
    with httpx.Client(timeout=2) as client:
        while time.time() < until:
            for number, url in enumerate(urls):
                sent = time.time()
                response = client.get(url)
                blocked_by = None
                if response.status_code == 503:
                    body = response.json()
                    blocked_by = (body.get("maintenance", {}).get("scope"), body["detail"])
                seen.append(Seen(number, sent, time.time(), response.status_code, blocked_by))
            time.sleep(0.05)
    return seen
