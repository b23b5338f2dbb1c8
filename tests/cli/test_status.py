"""``fastapi-maintenance status``: the state in the store, as a sentence, and the exit code.

Exit 0 whenever the state was read, on or off (0.0.5's docs use ``status`` as a Docker
health check); ``--exit-code`` turns the state into the exit code, 0 off and 3 on.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from .conftest import Invoke


def test_status_is_off_and_exits_0_when_the_variable_is_unset(invoke: Invoke) -> None:
    result = invoke("status")
    assert result.exit_code == 0
    assert "Maintenance mode is OFF (env: FASTAPI_MAINTENANCE_MODE)" in result.stdout


def test_status_exits_0_while_maintenance_is_on_so_a_health_check_stays_healthy(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    result = invoke("status")
    assert result.exit_code == 0
    assert "Maintenance mode is ON" in result.stdout


@pytest.mark.parametrize("value", ["1", "true", "ON", " yes "])
def test_status_exit_code_gives_3_when_the_variable_turns_maintenance_on(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", value)
    result = invoke("status", "--backend", "env", "--exit-code")
    assert result.exit_code == 3
    assert "Maintenance mode is ON" in result.stdout


def test_status_exit_code_gives_0_when_maintenance_is_off(invoke: Invoke) -> None:
    result = invoke("status", "--exit-code")
    assert result.exit_code == 0
    assert "Maintenance mode is OFF" in result.stdout


def test_status_reads_the_variable_named_by_var_name(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_MAINTENANCE", "1")
    result = invoke("status", "--backend", "env", "--var-name", "SHOP_MAINTENANCE", "--exit-code")
    assert result.exit_code == 3
    assert "(env: SHOP_MAINTENANCE)" in result.stdout


@pytest.mark.parametrize("args", [(), ("--backend", "env"), ("--exit-code",)])
def test_status_of_a_garbage_variable_is_off_with_a_warning_as_in_0_0_5(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "2")
    result = invoke("status", *args)
    assert result.exit_code == 0
    assert "Maintenance mode is OFF (env: FASTAPI_MAINTENANCE_MODE)" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "holds no valid state" in line]
    assert len(warnings) == 1
    assert "FASTAPI_MAINTENANCE_MODE holds no valid state (1 character;" in warnings[0]


def test_status_of_a_garbage_file_stays_an_error(invoke: Invoke, state_file: Path) -> None:
    state_file.write_text("2")
    result = invoke("status", "--backend", state_file.as_uri())
    assert result.exit_code == 1
    assert "OFF" not in result.stdout


def test_status_of_a_missing_file_is_off(invoke: Invoke, state_file: Path) -> None:
    result = invoke("status", "--backend", "file", "--file-path", str(state_file))
    assert result.exit_code == 0
    assert f"Maintenance mode is OFF (file: {state_file})" in result.stdout


def test_status_of_a_plain_file_says_when_the_file_changed(
    invoke: Invoke, state_file: Path
) -> None:
    state_file.write_text("0")
    changed = datetime(2030, 6, 1, 12, 0, 5, tzinfo=timezone.utc).timestamp()
    os.utime(state_file, (changed, changed))
    result = invoke("status", "--backend", state_file.as_uri())
    assert result.stdout.splitlines()[1:] == [
        "  Updated: at 2030-06-01T12:00:05+00:00 (when the file changed)"
    ]
    assert "ON" not in result.stdout, "0.0.5's docs tell on from off with `grep -q ON`"


def test_status_reads_a_file_named_by_url(invoke: Invoke, state_file: Path) -> None:
    state_file.write_text("1\n")
    result = invoke("status", "--backend", state_file.as_uri(), "--exit-code")
    assert result.exit_code == 3
    assert f"(file: {state_file})" in result.stdout


def test_status_uses_the_backend_variable_by_default(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, state_file: Path
) -> None:
    state_file.write_text("on")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", state_file.as_uri())
    result = invoke("status", "--exit-code")
    assert result.exit_code == 3
    assert f"(file: {state_file})" in result.stdout


def test_options_without_backend_go_to_the_default_driver(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, state_file: Path
) -> None:
    state_file.write_text("1")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "file")
    result = invoke("status", "--option", f"file_path={state_file}", "--exit-code")
    assert result.exit_code == 3


def test_option_values_reach_the_driver_as_text(invoke: Invoke, state_file: Path) -> None:
    result = invoke(
        "status", "-b", "file", "-o", f"file_path={state_file}", "-o", "check_interval=2.5"
    )
    assert result.exit_code == 0


def test_an_option_value_the_driver_refuses_exits_1_with_its_reason(
    invoke: Invoke, state_file: Path
) -> None:
    result = invoke(
        "status", "-b", "file", "--file-path", str(state_file), "-o", "check_interval=soon"
    )
    assert result.exit_code == 1
    assert "check_interval must be a number of seconds" in result.stderr


def test_status_json_gives_the_state_and_the_backend(invoke: Invoke, state_file: Path) -> None:
    state_file.write_text("1")
    result = invoke("status", "--json", "--backend", state_file.as_uri())
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "maintenance": True,
        "backend": f"file: {state_file}",
        "on": True,
        "read_only": False,
        "message": None,
        "starts_at": None,
        "ends_at": None,
        "updated_by": None,
        "updated_at": None,
        "allow_ips": [],
        "allow_paths": [],
        "scopes": [],
    }
