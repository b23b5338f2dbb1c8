"""0.0.5's command lines keep working: an empty ``--backend``, flags for another driver."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_maintenance import MaintenanceState

from .conftest import Invoke


def test_an_empty_backend_means_the_default_backend(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    result = invoke("status", "--backend", "", "--exit-code")
    assert result.exit_code == 3
    assert "(env: FASTAPI_MAINTENANCE_MODE)" in result.stdout


def test_an_empty_backend_follows_the_backend_variable(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, state_file: Path
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", state_file.as_uri())
    result = invoke("on", "--backend", "")
    assert result.exit_code == 0
    assert MaintenanceState.from_text(state_file.read_text()).on is True


def test_var_name_next_to_the_file_driver_is_ignored_with_a_warning(
    invoke: Invoke, state_file: Path
) -> None:
    state_file.write_text("1")
    result = invoke(
        "status", "-b", "file", "--file-path", str(state_file), "--var-name", "X", "--exit-code"
    )
    assert result.exit_code == 3
    assert result.stderr == "⚠️ Warning: --var-name is ignored: the file driver does not take it\n"


def test_file_path_next_to_the_env_driver_is_ignored_with_a_warning(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    result = invoke("status", "-b", "env", "--file-path", "/elsewhere", "--exit-code")
    assert result.exit_code == 3
    assert result.stderr == "⚠️ Warning: --file-path is ignored: the env driver does not take it\n"


@pytest.mark.parametrize("flag", ["--file-path", "--var-name"])
def test_a_location_flag_next_to_a_url_is_ignored_with_a_warning(
    invoke: Invoke, state_file: Path, flag: str
) -> None:
    result = invoke("on", "--backend", state_file.as_uri(), flag, "/elsewhere")
    assert result.exit_code == 0
    assert MaintenanceState.from_text(state_file.read_text()).on is True
    assert result.stderr == f"⚠️ Warning: {flag} is ignored: the URL names the location itself\n"


def test_a_flag_for_another_driver_does_not_replace_the_default_backend(
    invoke: Invoke, monkeypatch: pytest.MonkeyPatch, state_file: Path
) -> None:
    state_file.write_text("1")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", state_file.as_uri())
    result = invoke("status", "--var-name", "X", "--exit-code")
    assert result.exit_code == 3
    assert "--var-name is ignored" in result.stderr
