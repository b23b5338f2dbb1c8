"""A state file whose folder does not exist: nothing was ever written there, so ``status``
says so next to its OFF, and ``on``/``off`` fail naming the missing folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import RunScript

pytestmark = pytest.mark.slow


@pytest.fixture
def lost_file(tmp_path: Path) -> Path:
    """A state file in a folder that does not exist."""
    return tmp_path / "no-such-folder" / "maintenance"


def test_status_warns_that_the_folder_does_not_exist_and_still_exits_0(
    run_script: RunScript, lost_file: Path
) -> None:
    result = run_script("status", "--backend", lost_file.as_uri())
    assert result.returncode == 0
    assert result.stdout == f"🟢 Maintenance mode is OFF (file: {lost_file})\n"
    assert result.stderr.splitlines() == [
        f"⚠️ Warning: folder {lost_file.parent} does not exist, so no state was ever written to "
        f"{lost_file}: OFF is only what a missing file reads as; check the path (the "
        "application's file_path)"
    ]


def test_status_names_the_absolute_folder_of_a_relative_path(
    run_script: RunScript, tmp_path: Path
) -> None:
    result = run_script(
        "status", "--backend", "file", "--file-path", "no-such-folder/maintenance", cwd=tmp_path
    )
    assert result.returncode == 0
    assert f"folder {tmp_path / 'no-such-folder'} does not exist" in result.stderr


def test_status_json_stays_one_document_with_the_warning_on_stderr(
    run_script: RunScript, lost_file: Path
) -> None:
    result = run_script("status", "--backend", lost_file.as_uri(), "--json", "--exit-code")
    assert result.returncode == 0
    assert json.loads(result.stdout)["maintenance"] is False
    assert f"folder {lost_file.parent} does not exist" in result.stderr


def test_status_of_a_missing_file_in_an_existing_folder_says_nothing_more(
    run_script: RunScript, state_file: Path
) -> None:
    result = run_script("status", "--backend", state_file.as_uri())
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("command", ["on", "off"])
def test_switching_fails_in_one_line_naming_the_missing_folder(
    run_script: RunScript, lost_file: Path, command: str
) -> None:
    result = run_script(command, "--backend", lost_file.as_uri())
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"❌ Error: cannot write maintenance state to {lost_file}: No such file or directory "
        f"(folder {lost_file.parent} does not exist; the driver creates only the file)"
    ]
    assert not lost_file.parent.exists()
