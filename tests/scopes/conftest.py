"""uvicorn processes serving :mod:`tests.scopes.apps` on one store (a Redis key of the test's
own, or a state file), and the command line switching scopes as one more process."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from .._remote.checks import missing, with_query
from .._remote.fleet import CLI, needs_cli
from ..redis.servers import answers
from ..redis_settings import KEY_PREFIX, redis_url
from ..servers._processes import SERVERS, Running, start

#: Seconds every process may take to follow a change: the file driver looks at its file
#: twice a second, Redis pushes the change; generous, so a loaded machine does not fail it.
FOLLOW_BOUND = 5.0
#: How long a process that must not follow a change is watched to keep answering as before:
#: longer than the file driver's check interval.
STEADY = 1.5


@dataclass
class Fleet:
    """Server processes on one backend URL, each serving one of :mod:`tests.scopes.apps`."""

    backend_url: str
    folder: Path
    running: list[Running] = field(default_factory=list)

    def launch(self, target: str, **env: str) -> Running:
        """Serve ``tests.scopes.apps:<target>`` with uvicorn, ready to answer."""
        log = self.folder / f"{target}-{len(self.running)}.log"
        process = start(
            SERVERS["uvicorn"],
            f"tests.scopes.apps:{target}",
            {"FASTAPI_MAINTENANCE_BACKEND": self.backend_url, **env},
            log,
        )
        self.running.append(process)
        if not process.wait_ready("/health"):
            pytest.fail(f"uvicorn serving {target} exited:\n{process.output()}")
        return process

    def stop(self) -> None:
        for process in self.running:
            process.stop()

    def cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run ``fastapi-maintenance ARGUMENTS --backend URL``; it must succeed."""
        done = subprocess.run(
            [str(CLI), *arguments, "--backend", self.backend_url],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done


def statuses(servers: list[Running], path: str = "/") -> list[int]:
    return [server.get(path).status_code for server in servers]


def wait_for(servers: list[Running], expected: list[int], bound: float = FOLLOW_BOUND) -> None:
    """Wait until ``servers`` answer ``expected`` on ``/``; fail after ``bound`` seconds."""
    deadline = time.monotonic() + bound
    while (seen := statuses(servers)) != expected:
        if time.monotonic() > deadline:
            pytest.fail(f"after {bound}s the processes answer {seen}, not {expected}")
        time.sleep(0.02)


def holds(servers: list[Running], expected: list[int], seconds: float = STEADY) -> None:
    """Fail unless ``servers`` answer ``expected`` on ``/`` all along ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen = statuses(servers)
        assert seen == expected, f"the processes answer {seen}, not {expected}"
        time.sleep(0.05)


@pytest.fixture(scope="session")
def shared_redis() -> str:
    """The Redis the tests share (``REDIS_URL``, else database 9 of 127.0.0.1:6379)."""
    url = redis_url()
    if not answers(url):
        missing(f"no Redis server answers at {url} (set REDIS_URL to use another)")
    return url


@pytest.fixture
def redis_backend_url(shared_redis: str) -> Iterator[str]:
    """A Redis backend URL on a key no other test uses; every key under it is deleted after."""
    prefix = f"{KEY_PREFIX}scopes:{uuid.uuid4().hex}"
    yield with_query(shared_redis, key=f"{prefix}:state")
    client = redis.Redis.from_url(shared_redis, socket_timeout=5)
    try:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture
def file_backend_url(tmp_path: Path) -> str:
    """A state file of the test's own, looked at twice a second as by default."""
    return f"file://{tmp_path / 'maintenance'}"


MakeFleet = Callable[[str], Fleet]


@pytest.fixture
def make_fleet(tmp_path: Path) -> Iterator[MakeFleet]:
    """``make_fleet(backend_url)``: a fleet, every process of it stopped after the test."""
    needs_cli()
    made: list[Fleet] = []

    def make(backend_url: str) -> Fleet:
        folder = tmp_path / f"fleet-{len(made)}"
        folder.mkdir()
        made.append(Fleet(backend_url, folder))
        return made[-1]

    yield make
    for fleet in made:
        fleet.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here starts processes or a browser."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)
