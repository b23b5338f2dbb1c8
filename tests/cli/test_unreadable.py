"""``status`` on a state file that cannot be read: exit 1 and one line saying why, never OFF.

``fastapi-maintenance status && run-migration`` must not proceed while the servers may be in
maintenance. (A mode-000 file is no test as root, who reads it anyway; these cases are.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import RunScript

pytestmark = pytest.mark.slow


def _one_error_line(result: object) -> str:
    assert getattr(result, "returncode", None) == 1
    assert getattr(result, "stdout", None) == ""
    stderr = str(getattr(result, "stderr", ""))
    assert len(stderr.splitlines()) == 1
    assert stderr.startswith("❌ Error: ")
    return stderr


def test_status_of_a_state_file_holding_garbage_exits_1_without_its_content(
    run_script: RunScript, state_file: Path
) -> None:
    state_file.write_text("maybe-later")
    stderr = _one_error_line(run_script("status", "--backend", state_file.as_uri()))
    assert "maybe-later" not in stderr
    assert str(state_file) in stderr


def test_status_of_a_folder_at_the_state_path_exits_1(
    run_script: RunScript, state_file: Path
) -> None:
    state_file.mkdir()
    stderr = _one_error_line(run_script("status", "--backend", state_file.as_uri()))
    assert str(state_file) in stderr


def test_status_of_a_named_pipe_at_the_state_path_exits_1(
    run_script: RunScript, state_file: Path
) -> None:
    os.mkfifo(state_file)
    stderr = _one_error_line(run_script("status", "--backend", state_file.as_uri()))
    assert str(state_file) in stderr
