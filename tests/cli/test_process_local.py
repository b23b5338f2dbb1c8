"""The ``memory`` driver keeps its store in one process: the command, a process of its own,
never switches it (the change would end with the command) and warns when it reads it."""

from __future__ import annotations

import json

import pytest

from .conftest import RunScript

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("command", ["on", "off"])
@pytest.mark.parametrize("backend", ["memory", "memory://shop"])
def test_switching_a_memory_store_is_refused_and_claims_nothing(
    run_script: RunScript, command: str, backend: str
) -> None:
    result = run_script(command, "--backend", backend)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"❌ Error: cannot switch maintenance mode {command} through")
    assert "lives in one process" in result.stderr
    assert "shared between processes" in result.stderr


def test_switching_a_memory_store_as_json_prints_no_state(run_script: RunScript) -> None:
    result = run_script("on", "--backend", "memory", "--json")
    assert result.returncode == 1
    assert result.stdout == ""


def test_status_of_a_memory_store_is_off_with_a_warning_that_it_is_not_the_apps(
    run_script: RunScript,
) -> None:
    result = run_script("status", "--backend", "memory", "--exit-code")
    assert result.returncode == 0
    assert result.stdout == "🟢 Maintenance mode is OFF (memory: default)\n"
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("⚠️ Warning: memory: default: that store lives in one process")
    assert "never the application's" in result.stderr


def test_status_json_of_a_memory_store_keeps_stdout_a_json_document(run_script: RunScript) -> None:
    result = run_script("status", "--backend", "memory://shop", "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["maintenance"] is False
    assert "lives in one process" in result.stderr


def test_backends_shows_the_memory_driver_as_reaching_this_process_only(
    run_script: RunScript,
) -> None:
    rows = {row["name"]: row for row in json.loads(run_script("backends", "--json").stdout)}
    assert (rows["memory"]["process_local"], rows["file"]["process_local"]) == (True, False)
    line = next(line for line in run_script("backends").stdout.splitlines() if " memory " in line)
    assert "this process" in line and "writable" not in line
