"""Fixtures for the command line: an in-process runner, the installed script, state files."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fastapi_maintenance.cli import app

#: The console script installed next to the interpreter running the tests.
SCRIPT = Path(sys.executable).with_name("fastapi-maintenance")

Invoke = Callable[..., Result]
RunScript = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(autouse=True)
def plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output as a pipe gets it, wide enough that no message is wrapped."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PY_COLORS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def invoke() -> Invoke:
    """``invoke("status", "--backend", "env")`` runs the command in this process."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return run


@pytest.fixture
def run_script() -> RunScript:
    """``run_script("status", env={...})`` runs the installed console script in a new process."""
    assert SCRIPT.exists(), f"console script not installed at {SCRIPT}"

    def run(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args],
            env={**os.environ, **(env or {})},
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    """Where a test keeps its maintenance state; it does not exist yet."""
    return tmp_path / "maintenance"


@pytest.fixture
def broken_plugin(tmp_path: Path) -> Path:
    """A folder holding an installed distribution whose ``broken`` driver cannot be imported."""
    site = tmp_path / "site"
    info = site / "fm_broken_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fm-broken-plugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[fastapi_maintenance.backends]\nbroken = fm_no_such_module:Backend\n", encoding="utf-8"
    )
    return site


def missing(reason: str) -> None:
    """Skip on a developer machine; in CI a missing Redis or plugin is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set)")
    pytest.skip(reason)


@pytest.fixture
def redis_plugin() -> None:
    """The Redis driver distribution is installed."""
    if importlib.util.find_spec("fastapi_maintenance_redis") is None:
        missing("the fastapi-maintenance-redis distribution is not installed")


#: The checkout, so that a new process can import the test drivers in ``tests.cli``.
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def state_drivers(tmp_path: Path) -> dict[str, str]:
    """The environment under which the installed command finds the ``details`` driver (the
    whole state in a file) and the ``onoff`` driver (on/off only, as in 0.0.5)."""
    site = tmp_path / "drivers-site"
    info = site / "fm_state_drivers-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fm-state-drivers\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[fastapi_maintenance.backends]\n"
        "details = tests.cli.state_drivers:DetailsFileBackend\n"
        "onoff = tests.cli.state_drivers:OnOffFileBackend\n",
        encoding="utf-8",
    )
    return {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


#: A driver name longer than a column of an 80-character table leaves room for.
LONG_NAME = "postgresql+psycopg-through-a-connection-pooler"


@pytest.fixture
def long_named_driver(tmp_path: Path) -> dict[str, str]:
    """The environment under which the installed command finds a driver named ``LONG_NAME``,
    from a distribution whose name is long too."""
    site = tmp_path / "long-site"
    info = site / "fm_driver_with_a_long_distribution_name-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fm-driver-with-a-long-distribution-name\nVersion: 1.0\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(
        f"[fastapi_maintenance.backends]\n{LONG_NAME} = tests.cli.state_drivers:OnOffFileBackend\n",
        encoding="utf-8",
    )
    return {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
