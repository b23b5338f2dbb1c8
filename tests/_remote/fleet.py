"""uvicorn processes serving :mod:`tests._remote.demo_app` on one backend, and the command
line switching it as one more process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from .servers import free_port

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("fastapi-maintenance")
APP = "tests._remote.demo_app:app"
#: Seconds a uvicorn process may take to answer its first request on a loaded machine.
BOOT_BOUND = 30.0
#: Seconds a stopped process may take to exit, after SIGTERM and again after SIGKILL.
STOP_BOUND = 15.0


@dataclass
class Fleet:
    """uvicorn processes (each maybe with several workers) on one backend URL, each logging
    to a file in ``folder``."""

    backend_url: str
    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    _logs: list[IO[bytes]] = field(default_factory=list)

    def launch(self, count: int, workers: int = 1) -> None:
        env = {**os.environ, "FASTAPI_MAINTENANCE_BACKEND": self.backend_url}
        env.pop("FASTAPI_MAINTENANCE_MODE", None)
        for _ in range(count):
            port = free_port()
            log = open(self.folder / f"uvicorn-{port}.log", "wb")  # noqa: SIM115 - closed in stop()
            self._logs.append(log)
            command = ["-m", "uvicorn", APP, "--host", "127.0.0.1", "--port", str(port)]
            if workers > 1:
                command += ["--workers", str(workers)]
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-W", "always::ResourceWarning", *command],
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

    def wait_for(self, status: int, bound: float) -> None:
        """Wait until every process answers ``status``; fail after ``bound`` seconds."""
        deadline = time.monotonic() + bound
        while (seen := self.statuses()) != [status] * len(self.urls):
            if time.monotonic() > deadline:
                pytest.fail(f"after {bound}s the fleet answers {seen}, not {status}")
            time.sleep(0.02)

    def stop(self) -> str:
        """Stop every process as a supervisor would (SIGTERM, then SIGKILL); return the logs."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(STOP_BOUND)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_BOUND)
        for log in self._logs:
            log.close()
        self._logs.clear()
        return self.logs()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("*.log")))


def status_of(url: str) -> int | None:
    """The status ``url`` answers, or ``None`` if nothing answers there."""
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def switch(backend_url: str, state: str) -> None:
    """Run ``fastapi-maintenance on|off`` as one more process."""
    done = subprocess.run(
        [str(CLI), state, "--backend", backend_url],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def needs_cli() -> None:
    """Skip a test that runs the command line where it is not installed."""
    if not CLI.exists():
        pytest.skip(f"the fastapi-maintenance command is not installed next to {sys.executable}")
