"""A window set once, ahead of time, starts and ends on time in three uvicorn processes that
share a state file, with nobody writing at either moment."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from fastapi_maintenance import set_maintenance_mode
from fastapi_maintenance.backends import create_backend

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.core.fleet_app:app"
#: Seconds a uvicorn process may take to answer its first request on a loaded machine.
BOOT_BOUND = 30.0
#: How late a process may start or stop blocking: the file is looked at twice a second, and
#: the window is checked against the clock on every request.
ON_TIME = 1.0
MESSAGE = "Database upgrade <b>now</b>, back in 3 seconds"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Seen:
    """One answer of one process: sent at ``sent``, received at ``received`` (POSIX time)."""

    process: int
    sent: float
    received: float
    status: int


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """Three uvicorn processes on one state file: the backend's URL and the servers' URLs."""
    url = f"file://{tmp_path / 'maintenance'}"
    env = {**os.environ, "FASTAPI_MAINTENANCE_BACKEND": url}
    env.pop("FASTAPI_MAINTENANCE_MODE", None)
    processes: list[subprocess.Popen[bytes]] = []
    urls: list[str] = []
    log = open(tmp_path / "uvicorn.log", "wb")  # noqa: SIM115 - closed below
    try:
        for _ in range(3):
            port = free_port()
            command = ["-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port)]
            processes.append(
                subprocess.Popen(
                    [sys.executable, *command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}/")
        deadline = time.monotonic() + BOOT_BOUND
        for server, process in zip(urls, processes, strict=True):
            while _status(server) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{server} did not come up:\n{_read(tmp_path / 'uvicorn.log')}")
                time.sleep(0.05)
        yield url, urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        log.close()


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def _read(path: Path) -> str:
    return path.read_text(errors="replace")


def test_a_window_starts_and_ends_on_time_in_every_process(
    fleet: tuple[str, list[str]],
) -> None:
    backend_url, servers = fleet
    starts_at = datetime.now(timezone.utc) + timedelta(seconds=2)
    backend = create_backend(backend_url)
    asyncio.run(
        set_maintenance_mode(True, backend, message=MESSAGE, starts_at=starts_at, duration=3)
    )
    ends_at = starts_at + timedelta(seconds=3)
    start, end = starts_at.timestamp(), ends_at.timestamp()
    seen: list[Seen] = []
    json_bodies: list[dict[str, object]] = []
    pages: list[str] = []
    with httpx.Client(timeout=2) as client:
        while time.time() < end + ON_TIME + 0.5:
            for number, server in enumerate(servers):
                sent = time.time()
                response = client.get(server)
                seen.append(Seen(number, sent, time.time(), response.status_code))
                if response.status_code == 503 and len(json_bodies) < len(servers):
                    json_bodies.append(response.json())
                    pages.append(client.get(server, headers={"accept": BROWSER}).text)
            time.sleep(0.05)

    for number in range(len(servers)):
        answers = [s for s in seen if s.process == number]
        early = [s for s in answers if s.status == 503 and s.received < start]
        late_on = [
            s for s in answers if s.status != 503 and start + ON_TIME <= s.sent and s.received < end
        ]
        late_off = [s for s in answers if s.status == 503 and s.sent >= end + ON_TIME]
        assert not early, f"process {number} blocked before the window: {early}"
        assert not late_on, f"process {number} did not block within {ON_TIME}s: {late_on}"
        assert not late_off, f"process {number} still blocked {ON_TIME}s after the end: {late_off}"
        assert any(s.status == 503 for s in answers), f"process {number} never blocked"
        assert answers[-1].status == 200

    assert json_bodies and all(body["detail"] == MESSAGE for body in json_bodies)
    assert all(body["maintenance"]["ends_at"] == ends_at.isoformat() for body in json_bodies)
    assert pages and all(
        "Database upgrade &lt;b&gt;now&lt;/b&gt;, back in 3 seconds" in page for page in pages
    )
