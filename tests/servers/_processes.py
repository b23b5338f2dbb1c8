"""Real servers in real processes: on a free loopback port, waited for within a bound,
and always stopped (the whole process group, so no worker outlives its test)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
#: Bounds on starting and stopping a server; a server that exceeds them fails its test.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

Argv = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Server:
    """How to serve an ``module:attribute`` ASGI target on a port."""

    name: str
    argv: Argv
    #: Whether the server speaks the ASGI lifespan protocol (daphne does not).
    lifespan: bool = True
    #: Whether it runs apps on trio rather than asyncio.
    trio: bool = False

    def __str__(self) -> str:
        return self.name


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


SERVERS = {
    server.name: server
    for server in (
        Server(
            "uvicorn",
            lambda target, port: _python(
                "uvicorn", target, "--host", HOST, "--port", str(port), "--lifespan", "on"
            ),
        ),
        Server(
            "hypercorn-asyncio",
            lambda target, port: _python(
                "hypercorn", "--bind", f"{HOST}:{port}", "--worker-class", "asyncio", target
            ),
        ),
        Server(
            "hypercorn-trio",
            lambda target, port: _python(
                "hypercorn", "--bind", f"{HOST}:{port}", "--worker-class", "trio", target
            ),
            trio=True,
        ),
        Server(
            "granian",
            lambda target, port: _python(
                "granian", "--interface", "asgi", "--host", HOST, "--port", str(port), target
            ),
        ),
        Server(
            "daphne",
            lambda target, port: _python("daphne", "-b", HOST, "-p", str(port), target),
            lifespan=False,
        ),
        Server(
            "gunicorn",
            lambda target, port: _python(
                "gunicorn",
                "--worker-class",
                "uvicorn_worker.UvicornWorker",
                "--workers",
                "1",
                "--bind",
                f"{HOST}:{port}",
                target,
            ),
        ),
    )
}


#: uvicorn that leaves the forwarding headers to the app, so the middleware's own reading of
#: them is what a test sees.
UVICORN_WITHOUT_PROXY_HEADERS = Server(
    "uvicorn --no-proxy-headers",
    lambda target, port: _python(
        "uvicorn", target, "--host", HOST, "--port", str(port), "--lifespan", "on",
        "--no-proxy-headers",
    ),
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def child_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This environment less any maintenance setting of the caller's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAPI_MAINTENANCE_")}
    env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Running:
    """A server process started by :func:`start`; :meth:`stop` ends it and its workers."""

    server: Server
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    returncode: int | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=5.0, **kwargs)  # type: ignore[arg-type]

    def wait_ready(self, path: str = "/health", timeout: float = START_TIMEOUT) -> bool:
        """Wait until ``path`` answers 200; ``False`` if the process exited first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if self.get(path).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise TimeoutError(
            f"{self.server} did not answer {path} within {timeout} s:\n{self.output()}"
        )

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code if the process ends within ``timeout`` seconds, else ``None``."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> int:
        """SIGTERM to the server (a master stops its own workers), then SIGKILL to the group."""
        if self.returncode is not None:
            return self.returncode
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(STOP_TIMEOUT)
        # Workers a master left behind go too.
        _signal_group(self.process.pid, signal.SIGKILL)
        self.returncode = self.process.returncode
        return self.returncode


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def start(server: Server, target: str, env: Mapping[str, str], log_path: Path) -> Running:
    """Start ``server`` serving ``target`` in a process group of its own; not yet waited for."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            server.argv(target, port),
            cwd=ROOT,
            env=child_env(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Running(server, process, port, log_path)
