"""``fastapi-maintenance backends``: every installed driver, broken ones included."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import LONG_NAME, Invoke, RunScript


def _by_name(output: str) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in json.loads(output)}


def test_backends_lists_env_and_file_from_the_core_distribution(invoke: Invoke) -> None:
    result = invoke("backends", "--json")
    assert result.exit_code == 0
    rows = _by_name(result.stdout)
    assert rows["env"]["distribution"] == rows["file"]["distribution"] == "fastapi-maintenance"


def test_backends_tells_read_only_and_url_support_apart(invoke: Invoke) -> None:
    rows = _by_name(invoke("backends", "--json").stdout)
    assert (rows["env"]["read_only"], rows["env"]["supports_url"]) == (True, True)
    assert (rows["file"]["read_only"], rows["file"]["supports_url"]) == (False, True)


def test_backends_tells_what_each_driver_stores(invoke: Invoke) -> None:
    rows = _by_name(invoke("backends", "--json").stdout)
    assert rows["file"]["stores_details"] is True
    assert rows["env"]["stores_details"] is False


def test_backends_table_shows_what_each_driver_stores(invoke: Invoke) -> None:
    lines = invoke("backends").stdout.splitlines()
    assert "whole state" in next(line for line in lines if " file " in line)
    assert "on/off" in next(line for line in lines if " env " in line)


def test_backends_table_shows_each_driver_on_its_line(invoke: Invoke) -> None:
    lines = invoke("backends").stdout.splitlines()
    env_line = next(line for line in lines if " env " in line)
    file_line = next(line for line in lines if " file " in line)
    assert "fastapi-maintenance" in env_line and "read-only" in env_line
    assert "fastapi-maintenance" in file_line and "writable" in file_line


@pytest.fixture
def with_broken_plugin(broken_plugin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(broken_plugin))


@pytest.mark.usefixtures("with_broken_plugin")
def test_a_broken_plugin_is_listed_with_its_reason_next_to_the_others(invoke: Invoke) -> None:
    result = invoke("backends", "--json")
    assert result.exit_code == 0
    rows = _by_name(result.stdout)
    assert {"env", "file", "broken"} <= set(rows)
    assert "ModuleNotFoundError" in rows["broken"]["error"]
    assert rows["broken"]["distribution"] == "fm-broken-plugin"
    assert rows["env"]["error"] is None


@pytest.mark.usefixtures("with_broken_plugin")
def test_check_exits_1_naming_the_broken_plugin(invoke: Invoke) -> None:
    result = invoke("backends", "--check")
    assert result.exit_code == 1
    assert "fail to load: broken" in result.stderr


def test_check_exits_0_when_every_driver_loads(invoke: Invoke) -> None:
    assert invoke("backends", "--check").exit_code == 0


def test_backends_shows_which_drivers_store_the_whole_state(
    invoke: Invoke, state_drivers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for folder in reversed(state_drivers["PYTHONPATH"].split(os.pathsep)):
        monkeypatch.syspath_prepend(folder)
    result = invoke("backends", "--json")
    rows = _by_name(result.stdout)
    assert (rows["details"]["stores_details"], rows["onoff"]["stores_details"]) == (True, False)
    lines = invoke("backends").stdout.splitlines()
    assert "whole state" in next(line for line in lines if " details " in line)
    assert "on/off" in next(line for line in lines if " onoff " in line)


def _whole_names(run_script: RunScript, env: dict[str, str]) -> tuple[list[str], str]:
    """Every registered driver's name, and the table's text, escape codes left out."""
    names = [row["name"] for row in json.loads(run_script("backends", "--json", env=env).stdout)]
    assert LONG_NAME in names
    result = run_script("backends", env=env)
    assert result.returncode == 0
    table = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert "…" not in table
    for name in names:
        assert re.search(rf"^│ {re.escape(name)} +│", table, re.M), name
    return names, table


@pytest.mark.slow
@pytest.mark.parametrize("columns", [None, "80", "40"])
def test_piped_backends_table_keeps_every_driver_on_one_whole_line(
    run_script: RunScript,
    long_named_driver: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    columns: str | None,
) -> None:
    monkeypatch.delenv("COLUMNS")
    env = {**long_named_driver, **({"COLUMNS": columns} if columns else {})}
    names, table = _whole_names(run_script, env)
    rows = [line for line in table.splitlines() if line.startswith("│")]
    assert len(rows) == len(names)
    long_row = next(line for line in rows if LONG_NAME in line)
    assert "fm-driver-with-a-long-distribution-name" in long_row


@pytest.mark.slow
@pytest.mark.parametrize("terminal", [{"TTY_COMPATIBLE": "1"}, {"FORCE_COLOR": "1"}])
def test_backends_table_on_a_narrow_terminal_keeps_every_driver_name_whole(
    run_script: RunScript, long_named_driver: dict[str, str], terminal: dict[str, str]
) -> None:
    _whole_names(run_script, {**long_named_driver, **terminal, "COLUMNS": "40"})
