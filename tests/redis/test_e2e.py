"""Three uvicorn processes on one Redis switch, flipped by the ``fastapi-maintenance`` command."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .._remote.checks import with_query
from .._remote.fleet import Fleet, needs_cli, switch

pytestmark = [pytest.mark.redis, pytest.mark.slow]

#: Seconds the whole fleet may take to follow a switch; it takes milliseconds.
PROPAGATION_BOUND = 5.0


@pytest.fixture
def fleet(redis_url: str, redis_key: str, tmp_path: Path) -> Iterator[Fleet]:
    needs_cli()
    fleet = Fleet(with_query(redis_url, key=redis_key), tmp_path)
    try:
        fleet.launch(3)
        yield fleet
    finally:
        fleet.stop()


def test_every_process_follows_one_switch_flipped_from_the_command_line(fleet: Fleet) -> None:
    assert fleet.statuses() == [200, 200, 200]
    switch(fleet.backend_url, "on")
    fleet.wait_for(503, PROPAGATION_BOUND)
    switch(fleet.backend_url, "off")
    fleet.wait_for(200, PROPAGATION_BOUND)

    logs = fleet.stop()
    assert logs.count("Application shutdown complete") == 3, logs
    for complaint in ("ResourceWarning", "Task was destroyed", "Traceback", "ERROR"):
        assert complaint not in logs, logs
