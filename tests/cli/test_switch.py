"""``on`` and ``off``: writes through writable drivers, a clear refusal from read-only ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance.backends import register_backend

from .conftest import Invoke
from .drivers import JournalBackend, SilentBackend, StuckOffBackend


def test_on_writes_the_state_file_and_prints_the_new_state(
    invoke: Invoke, state_file: Path
) -> None:
    result = invoke("on", "--backend", "file", "--file-path", str(state_file))
    assert result.exit_code == 0
    assert f"Maintenance mode is now ON (file: {state_file})" in result.stdout
    assert MaintenanceState.from_text(state_file.read_text()).on is True


def test_a_plain_on_and_off_store_0_0_5s_plain_words(invoke: Invoke, state_file: Path) -> None:
    assert invoke("on", "--backend", state_file.as_uri()).exit_code == 0
    assert state_file.read_bytes() == b"1"
    assert invoke("off", "--backend", state_file.as_uri()).exit_code == 0
    assert state_file.read_bytes() == b"0"


def test_on_naming_who_stores_a_stamped_document(invoke: Invoke, state_file: Path) -> None:
    assert invoke("on", "--backend", state_file.as_uri(), "--by", "alice").exit_code == 0
    stored = MaintenanceState.from_text(state_file.read_text())
    assert (stored.on, stored.updated_by) == (True, "alice")
    assert stored.updated_at is not None


def test_off_after_on_leaves_maintenance_off(invoke: Invoke, state_file: Path) -> None:
    invoke("on", "--backend", state_file.as_uri())
    result = invoke("off", "--backend", state_file.as_uri())
    assert result.exit_code == 0
    assert "Maintenance mode is now OFF" in result.stdout
    assert invoke("status", "--backend", state_file.as_uri(), "--exit-code").exit_code == 0


def test_on_refuses_the_read_only_env_driver_and_says_what_to_do(invoke: Invoke) -> None:
    result = invoke("on", "--backend", "env")
    assert result.exit_code == 1
    assert "read-only" in result.stderr
    assert "before the application starts" in result.stderr
    assert "writable backend" in result.stderr


def test_writing_into_a_missing_directory_exits_1_with_the_cause(
    invoke: Invoke, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-dir" / "maintenance"
    result = invoke("on", "--backend", "file", "--file-path", str(target))
    assert result.exit_code == 1
    assert f"cannot write maintenance state to {target}: No such file or directory" in result.stderr
    assert "Traceback" not in result.output


def test_on_costs_the_write_and_the_read_back_without_starting_the_backend(
    invoke: Invoke,
) -> None:
    register_backend("journal", JournalBackend)
    JournalBackend.journal.clear()
    result = invoke("on", "--backend", "journal")
    assert result.exit_code == 0
    assert JournalBackend.journal == ["set", "get", "aclose"]


def test_status_costs_one_read_without_starting_the_backend(invoke: Invoke) -> None:
    register_backend("journal", JournalBackend)
    JournalBackend.journal.clear()
    result = invoke("status", "--backend", "journal")
    assert result.exit_code == 0
    assert JournalBackend.journal == ["get", "aclose"]


def test_a_backend_that_does_not_answer_times_out_with_exit_1(invoke: Invoke) -> None:
    register_backend("silent", SilentBackend)
    result = invoke("status", "--backend", "silent", "--timeout", "0.2")
    assert result.exit_code == 1
    assert "did not answer within 0.2 s" in result.stderr


def test_a_write_that_does_not_take_effect_exits_1(invoke: Invoke) -> None:
    register_backend("stuck", StuckOffBackend)
    result = invoke("on", "--backend", "stuck")
    assert result.exit_code == 1
    assert "still reads off after the write" in result.stderr


@pytest.mark.parametrize("timeout", ["0", "-1"])
def test_timeout_must_be_positive(invoke: Invoke, timeout: str) -> None:
    assert invoke("status", "--timeout", timeout).exit_code == 2
