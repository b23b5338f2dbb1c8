"""Processes on one PostgreSQL switch: three uvicorn servers follow a flip made from a
fourth process, and a four-worker app holds four connections to the database."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .._remote.checks import with_query
from .._remote.fleet import Fleet, needs_cli, switch
from .conftest import Database

pytestmark = pytest.mark.slow

#: Seconds the whole fleet may take to follow a switch; it takes milliseconds.
PROPAGATION_BOUND = 5.0


@pytest.fixture
def fleet_of(tmp_path: Path) -> Iterator[list[Fleet]]:
    """Fleets the test launches; all stopped afterwards."""
    needs_cli()
    made: list[Fleet] = []
    yield made
    for fleet in made:
        fleet.stop()


def test_three_servers_follow_one_switch_flipped_from_a_fourth_process(
    postgresql: Database, fleet_of: list[Fleet], tmp_path: Path
) -> None:
    # No poll or resync within the test: only notifications explain the fleet following.
    url = with_query(postgresql.url, table=postgresql.table, resync_interval="600")
    fleet = Fleet(url, tmp_path)
    fleet_of.append(fleet)
    fleet.launch(3)
    assert fleet.statuses() == [200, 200, 200]
    switch(url, "on")
    fleet.wait_for(503, PROPAGATION_BOUND)
    switch(url, "off")
    fleet.wait_for(200, PROPAGATION_BOUND)

    logs = fleet.stop()
    assert logs.count("Application shutdown complete") == 3, logs
    for complaint in ("ResourceWarning", "Task was destroyed", "Traceback", "ERROR"):
        assert complaint not in logs, logs


def connections_named(db: Database, name: str) -> int:
    [(count,)] = db.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name", name=name
    )
    return int(count)


def test_a_four_worker_app_holds_four_connections_to_postgresql(
    postgresql: Database, fleet_of: list[Fleet], tmp_path: Path
) -> None:
    """One per worker, the listening one, whatever the traffic; a switch from the command
    line adds one for its own duration only."""
    name = f"fm-test-{uuid.uuid4().hex[:12]}"
    url = with_query(postgresql.url, table=postgresql.table, application_name=name)
    fleet = Fleet(url, tmp_path)
    fleet_of.append(fleet)
    fleet.launch(1, workers=4)
    deadline = time.monotonic() + 30
    while connections_named(postgresql, name) < 4:
        assert time.monotonic() < deadline, "the four workers did not all connect"
        time.sleep(0.1)

    seen = set()
    for state, status in (("on", 503), ("off", 200)):
        switch(url, state)
        fleet.wait_for(status, PROPAGATION_BOUND)
        for _ in range(20):
            fleet.statuses()
            seen.add(connections_named(postgresql, name))
    assert seen == {4}
