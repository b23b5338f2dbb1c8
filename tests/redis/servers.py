"""Private ``redis-server`` processes that a test may kill, slow down and restart."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import redis

from .._remote.servers import ServerProcess


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


class RedisServer(ServerProcess):
    """``redis-server`` on 127.0.0.1 with no persistence, its files in ``folder``.

    The port stays the same across :meth:`kill` and :meth:`start`, so clients see a restart.
    """

    poll_pause = 0.02

    def __init__(self, folder: Path, port: int | None = None) -> None:
        super().__init__(port)
        self.folder = folder

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        return answers(self.url, timeout=0.2)

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
        self._wait_until_up(self.folder / "redis.log")

    def client(self) -> redis.Redis:
        """A synchronous client for the test's own writes."""
        return redis.Redis.from_url(self.url, socket_timeout=5)
