"""The installed ``fastapi-maintenance`` console script, run as a deploy script would run it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import typer

from fastapi_maintenance import MaintenanceState, __version__
from fastapi_maintenance.cli import version_callback

from .conftest import RunScript

pytestmark = pytest.mark.slow


def test_version_prints_the_package_version(run_script: RunScript) -> None:
    result = run_script("--version")
    assert result.returncode == 0
    assert result.stdout == f"fastapi-maintenance {__version__}\n"


def test_a_switch_is_seen_by_status_in_another_process(
    run_script: RunScript, state_file: Path
) -> None:
    backend = ["--backend", "file", "--file-path", str(state_file)]
    assert run_script("on", *backend).returncode == 0
    assert run_script("status", "--exit-code", *backend).returncode == 3
    assert run_script("off", *backend).returncode == 0
    assert run_script("status", "--exit-code", *backend).returncode == 0


def test_status_follows_the_environment_it_is_run_in(run_script: RunScript) -> None:
    result = run_script("status", "--exit-code", env={"FASTAPI_MAINTENANCE_MODE": "1"})
    assert result.returncode == 3
    assert result.stdout == "🔴 Maintenance mode is ON (env: FASTAPI_MAINTENANCE_MODE)\n"


def test_the_backend_variable_picks_the_default_backend(
    run_script: RunScript, state_file: Path
) -> None:
    env = {"FASTAPI_MAINTENANCE_BACKEND": state_file.as_uri()}
    assert run_script("on", env=env).returncode == 0
    assert MaintenanceState.from_text(state_file.read_text()).on is True


def test_an_error_is_one_line_on_stderr_without_traceback(run_script: RunScript) -> None:
    result = run_script("status", "--backend", "postgres")
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("❌ Error: unknown backend 'postgres'; available: ")


def test_a_usage_error_exits_2(run_script: RunScript) -> None:
    result = run_script("status", "--option", "no-equals-sign")
    assert result.returncode == 2
    assert "key=value" in result.stderr


def test_piped_output_carries_no_terminal_escapes(run_script: RunScript) -> None:
    for result in (run_script("backends"), run_script("status"), run_script("on")):
        assert "\x1b[" not in result.stdout + result.stderr


def test_a_broken_plugin_does_not_hide_the_other_drivers(
    run_script: RunScript, broken_plugin: Path
) -> None:
    path = os.pathsep.join(filter(None, [str(broken_plugin), os.environ.get("PYTHONPATH")]))
    result = run_script("backends", env={"PYTHONPATH": path})
    assert result.returncode == 0
    for name in ("env", "file", "broken", "fm-broken-plugin", "ModuleNotFoundError"):
        assert name in result.stdout


def test_status_as_a_health_check_passes_while_maintenance_is_on(run_script: RunScript) -> None:
    result = run_script("status", env={"FASTAPI_MAINTENANCE_MODE": "1"})
    assert result.returncode == 0
    assert "Maintenance mode is ON" in result.stdout


def test_version_callback_is_kept_from_0_0_5(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit):
        version_callback(True)
    assert capsys.readouterr().out == f"fastapi-maintenance {__version__}\n"


def test_version_callback_does_nothing_without_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    version_callback(False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("module", ["typer", "rich"])
def test_a_missing_cli_dependency_is_a_one_line_hint_not_a_traceback(
    run_script: RunScript, tmp_path: Path, module: str
) -> None:
    # A module of that name that fails to import as a missing one does, first on the path.
    (tmp_path / f"{module}.py").write_text(
        f'raise ModuleNotFoundError("No module named {module!r}", name={module!r})\n'
    )
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    result = run_script("status", env={"PYTHONPATH": path})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: the fastapi-maintenance command needs {module}, which is not installed; "
        'install the command\'s dependencies with: pip install "fastapi-maintenance[cli]"\n'
    )
