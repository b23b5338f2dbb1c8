"""Plugins in the ``fastapi_maintenance.plugins`` group hear of changes without any code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance.backends import PLUGIN_ENTRY_POINT_GROUP
from tests.plugins.distributions import pip_install, write_distribution
from tests.plugins.processes import report_of

LISTENER = """\
import os
from fastapi_maintenance import hookimpl

@hookimpl
def maintenance_mode_changed(value, backend):
    with open(os.environ["HEARD"], "a") as heard:
        heard.write(f"{'on' if value else 'off'} {backend.describe()}\\n")
"""

BROKEN_LISTENER = "raise RuntimeError('webhook URL is not configured')\n"

SCRIPT = """
import asyncio, json, logging, sys
from fastapi_maintenance import maintenance_mode_on, set_maintenance_mode

class Keep(logging.Handler):
    records = []
    def emit(self, record):
        self.records.append(record.getMessage())

logging.getLogger("fastapi_maintenance").addHandler(Keep())
from fastapi_maintenance.backends import create_backend

backend = create_backend("file", file_path="state")
loaded_before_any_change = "fm_listener" in sys.modules

async def main():
    await set_maintenance_mode(True, backend)
    await set_maintenance_mode(False, backend)
    async with maintenance_mode_on(backend):
        pass

asyncio.run(main())
print(json.dumps({
    "loaded_early": loaded_before_any_change,
    "state": open("state").read(),
    "logged": Keep.records,
}))
"""


@pytest.fixture(scope="module")
def listener_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working listener plugin and one that fails on import, as pip installs them."""
    sources = tmp_path_factory.mktemp("listener-sources")
    trees = [
        write_distribution(
            sources,
            "fm-listener",
            "fm_listener",
            LISTENER,
            {"audit": "fm_listener"},
            group=PLUGIN_ENTRY_POINT_GROUP,
        ),
        write_distribution(
            sources,
            "fm-broken-listener",
            "fm_broken_listener",
            BROKEN_LISTENER,
            {"webhook": "fm_broken_listener"},
            group=PLUGIN_ENTRY_POINT_GROUP,
        ),
    ]
    return pip_install(tmp_path_factory.mktemp("listener-site"), *trees)


@pytest.fixture
def run(listener_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("HEARD", str(tmp_path / "heard.txt"))
    report = report_of(SCRIPT, cwd=tmp_path, pythonpath=listener_site)
    assert isinstance(report, dict)
    return report


def _heard(tmp_path: Path) -> list[str]:
    return (tmp_path / "heard.txt").read_text().splitlines()


def test_an_installed_listener_hears_every_switch(run: dict[str, Any], tmp_path: Path) -> None:
    assert [line.split()[0] for line in _heard(tmp_path)] == ["on", "off", "on", "off"]


def test_the_listener_is_told_which_backend_switched(run: dict[str, Any], tmp_path: Path) -> None:
    assert all(line.endswith("state") for line in _heard(tmp_path))


def test_listener_plugins_are_loaded_only_when_something_changes(run: dict[str, Any]) -> None:
    assert run["loaded_early"] is False


def test_a_listener_that_fails_to_load_stops_neither_the_switch_nor_the_others(
    run: dict[str, Any], tmp_path: Path
) -> None:
    # The block restores the whole state it found, stamped by the last switch: off.
    assert MaintenanceState.from_text(run["state"]).on is False
    assert len(_heard(tmp_path)) == 4


def test_a_listener_that_fails_to_load_is_logged_once_with_its_distribution(
    run: dict[str, Any],
) -> None:
    failures = [m for m in run["logged"] if "cannot load plugin" in m]
    assert len(failures) == 1
    assert "'webhook'" in failures[0] and "fm-broken-listener" in failures[0]
