"""A user's project tests its app with the plugin's fixtures alone, loaded by its entry point."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

USER_TESTS = Path(__file__).with_name("user_project.py")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """pytest run in a new process over a folder holding only the user's test module.

    The environment says maintenance is on, as a developer's shell might: the fixtures'
    isolated state must not see it.
    """
    project = tmp_path_factory.mktemp("user-project")
    shutil.copy(USER_TESTS, project / "test_shop.py")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "FASTAPI_MAINTENANCE_"))
    }
    env["FASTAPI_MAINTENANCE_MODE"] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"]
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def test_every_test_of_the_user_module_passes(outcome: subprocess.CompletedProcess[str]) -> None:
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    # Eight tests; the async ones run once per event loop anyio finds (asyncio, trio).
    passed = re.search(r"\b(\d+) passed\b", outcome.stdout)
    assert passed is not None and int(passed.group(1)) >= 8, outcome.stdout


def test_the_plugin_is_loaded_through_its_entry_point(
    outcome: subprocess.CompletedProcess[str],
) -> None:
    assert "fixture 'maintenance' not found" not in outcome.stdout
    assert "error" not in outcome.stdout.lower(), outcome.stdout
