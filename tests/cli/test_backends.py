"""``fastapi-maintenance backends``: every installed driver, broken ones included."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import Invoke


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
