"""Three uvicorn processes on one Redis switch, flipped by the ``fastapi-maintenance`` command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from ._support import with_query
from .servers import free_port

pytestmark = [pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("fastapi-maintenance")
APP = "tests.redis.demo_app:app"
#: Seconds a uvicorn process may take to answer its first request on a loaded machine.
BOOT_BOUND = 30.0
#: Seconds the whole fleet may take to follow a switch; it takes milliseconds.
PROPAGATION_BOUND = 5.0


@dataclass
class Fleet:
    """uvicorn processes serving :data:`APP`, each logging to a file."""

    backend_url: str
    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def launch(self, count: int) -> None:
        env = {**os.environ, "FASTAPI_MAINTENANCE_BACKEND": self.backend_url}
        env.pop("FASTAPI_MAINTENANCE_MODE", None)
        for _ in range(count):
            port = free_port()
            log = open(self.folder / f"uvicorn-{port}.log", "wb")  # noqa: SIM115 - closed in stop()
            self._logs.append(log)
            warnings = ["-W", "always::ResourceWarning"]
            command = ["-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port)]
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, *warnings, *command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            self.urls.append(f"http://127.0.0.1:{port}/")
        deadline = time.monotonic() + BOOT_BOUND
        for url, process in zip(self.urls, self.processes, strict=True):
            while status_of(url) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{url} did not come up:\n{self.logs()}")
                time.sleep(0.05)

    def statuses(self) -> list[int | None]:
        return [status_of(url) for url in self.urls]

    def stop(self) -> str:
        """Stop every process as a supervisor would (SIGTERM, then SIGKILL); return the logs."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for log in self._logs:
            log.close()
        self._logs.clear()
        return self.logs()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("*.log")))


def status_of(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


@pytest.fixture
def fleet(redis_url: str, redis_key: str, tmp_path: Path) -> Iterator[Fleet]:
    if not CLI.exists():
        pytest.skip(f"the fastapi-maintenance command is not installed next to {sys.executable}")
    fleet = Fleet(with_query(redis_url, key=redis_key), tmp_path)
    try:
        fleet.launch(3)
        yield fleet
    finally:
        fleet.stop()


def switch(fleet: Fleet, state: str) -> None:
    """Run ``fastapi-maintenance on|off`` as a fourth process."""
    done = subprocess.run(
        [str(CLI), state, "--backend", fleet.backend_url],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def wait_for_fleet(fleet: Fleet, status: int) -> None:
    deadline = time.monotonic() + PROPAGATION_BOUND
    while (seen := fleet.statuses()) != [status] * len(fleet.urls):
        if time.monotonic() > deadline:
            pytest.fail(f"after {PROPAGATION_BOUND}s the fleet answers {seen}, not {status}")
        time.sleep(0.02)


def test_every_process_follows_one_switch_flipped_from_the_command_line(fleet: Fleet) -> None:
    assert fleet.statuses() == [200, 200, 200]
    switch(fleet, "on")
    wait_for_fleet(fleet, 503)
    switch(fleet, "off")
    wait_for_fleet(fleet, 200)

    logs = fleet.stop()
    assert logs.count("Application shutdown complete") == 3, logs
    for complaint in ("ResourceWarning", "Task was destroyed", "Traceback", "ERROR"):
        assert complaint not in logs, logs
