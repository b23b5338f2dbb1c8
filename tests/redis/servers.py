"""Private ``redis-server`` processes that a test may kill, slow down and restart."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

#: Seconds a server may take to start answering, or to exit.
START_TIMEOUT = 10.0


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a Redis server answers PING at ``url``."""
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def _debug_command_flag() -> list[str]:
    """Redis 7 refuses ``DEBUG`` unless told otherwise; older servers lack the option."""
    version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"v=(\d+)\.", version)
    return ["--enable-debug-command", "local"] if match and int(match.group(1)) >= 7 else []


class RedisServer:
    """``redis-server`` on 127.0.0.1 with no persistence, its files in ``folder``.

    The port stays the same across :meth:`kill` and :meth:`start`, so clients see a restart.
    """

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"),
                *_debug_command_flag(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(self.url, timeout=0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"redis-server on port {self.port} did not start:\n{log}")
            time.sleep(0.02)

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """Stop the server with ``sig`` and wait for it to exit."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(START_TIMEOUT)

    def stop(self) -> None:
        self.kill(signal.SIGKILL)
        self.process = None

    def client(self) -> redis.Redis:
        """A synchronous client for the test's own writes."""
        return redis.Redis.from_url(self.url, socket_timeout=5)
