"""uvicorn processes serving :mod:`tests.sql.demo_app`, and the command line as another."""

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

from .databases import free_port

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("fastapi-maintenance")
APP = "tests.sql.demo_app:app"
#: Seconds a uvicorn process may take to answer its first request on a loaded machine.
BOOT_BOUND = 30.0


@dataclass
class Fleet:
    """uvicorn processes (each maybe with several workers) on one backend URL."""

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
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)
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
