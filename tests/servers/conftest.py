"""Servers and frameworks in real processes.

By default every server runs once (with FastAPI) and every framework once (under
uvicorn); ``SERVERS_MATRIX=full`` (what ``nox -s servers`` sets) runs every pair.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fastapi_maintenance.backends import format_state_text

from ._processes import SERVERS, Running, Server, start
from .apps._events import LIFESPAN_LOG_VAR

HERE = Path(__file__).parent
MATRIX_VAR = "SERVERS_MATRIX"
#: A free port can be taken by another process before the server binds it: try another.
PORT_ATTEMPTS = 3


@dataclass(frozen=True)
class Framework:
    name: str
    module: str
    #: Whether the app has a Starlette route table: 404/405 kept and decorators honoured.
    route_table: bool
    #: Whether it runs on trio as well as asyncio.
    trio: bool = True

    @property
    def target(self) -> str:
        return f"tests.servers.apps.{self.module}:app"


FRAMEWORKS = {
    framework.name: framework
    for framework in (
        Framework("fastapi", "fastapi_app", route_table=True),
        Framework("starlette", "starlette_app", route_table=True),
        Framework("litestar", "litestar_app", route_table=False),
        # Quart runs on asyncio only; its trio flavour is another distribution (quart-trio).
        Framework("quart", "quart_app", route_table=False, trio=False),
        Framework("raw", "raw_app", route_table=False),
    )
}


@dataclass(frozen=True)
class Cell:
    server: Server
    framework: Framework

    @property
    def in_default_run(self) -> bool:
        return self.framework.name == "fastapi" or self.server.name == "uvicorn"

    def __str__(self) -> str:
        return f"{self.server}-{self.framework.name}"


#: Marks a parameter that only the full matrix runs.
matrix_only = pytest.mark.matrix

CELLS = [
    pytest.param(cell, id=str(cell), marks=() if cell.in_default_run else matrix_only)
    for cell in (
        Cell(server, framework)
        for server in SERVERS.values()
        for framework in FRAMEWORKS.values()
        if framework.trio or not server.trio
    )
]


def full_matrix() -> bool:
    return os.environ.get(MATRIX_VAR) == "full"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests here that start servers slow; outside the full matrix, deselect the
    ones it alone runs."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if HERE not in item.path.parents:
            kept.append(item)
            continue
        if {"serve", "served"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("matrix") and not full_matrix():
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@dataclass
class Served:
    """A running server with its state file and lifespan log."""

    running: Running
    state_file: Path
    lifespan_log: Path

    def set_maintenance(self, on: bool) -> None:
        """Switch as an operator's script would: replace the state file atomically."""
        fresh = self.state_file.with_suffix(".new")
        fresh.write_text(format_state_text(on), encoding="utf-8")
        fresh.replace(self.state_file)

    def lifespan_events(self) -> list[str]:
        if not self.lifespan_log.exists():
            return []
        return self.lifespan_log.read_text(encoding="utf-8").split()


def serve_in(folder: Path, server: Server, target: str) -> Served:
    """Serve ``target`` with a state file in ``folder``, read on every request; wait until
    it answers. The caller stops it."""
    folder.mkdir(parents=True, exist_ok=True)
    state_file = folder / "maintenance"
    lifespan_log = folder / "lifespan.log"
    env = {
        "FASTAPI_MAINTENANCE_BACKEND": f"file://{state_file}?check_interval=0",
        LIFESPAN_LOG_VAR: str(lifespan_log),
    }
    for _ in range(PORT_ATTEMPTS):
        running = start(server, target, env, folder / "server.log")
        try:
            ready = running.wait_ready()
        except BaseException:
            running.stop()
            raise
        if ready:
            return Served(running, state_file, lifespan_log)
        running.stop()
        if "address already in use" not in running.output().lower():
            break
    raise RuntimeError(f"{server} exited before it served:\n{running.output()}")


Serve = Callable[[Server, str], Served]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``serve(server, target)``: a ready server, stopped after the test."""
    started: list[Served] = []

    def make(server: Server, target: str) -> Served:
        served = serve_in(tmp_path / f"{server}-{len(started)}", server, target)
        started.append(served)
        return served

    yield make
    for served in started:
        served.running.stop()


@pytest.fixture(scope="module", params=CELLS)
def cell(request: pytest.FixtureRequest) -> Cell:
    """A server and a framework; the tests asking for it run once per pair."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def served(cell: Cell, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The cell's app served by the cell's server, shared by the tests of a module."""
    folder = tmp_path_factory.mktemp(str(cell))
    served = serve_in(folder, cell.server, cell.framework.target)
    yield served
    served.running.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test shows the log of the server it talked to."""
    report = yield
    served = getattr(item, "funcargs", {}).get("served")
    if report.failed and call.when == "call" and isinstance(served, Served):
        report.sections.append((f"{served.running.server} log", served.running.output()))
    return report
