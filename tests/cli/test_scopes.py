"""``on --scope NAME`` with selectors, ``off --scope NAME``, and scopes in ``status``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given

from fastapi_maintenance import MaintenanceScope, MaintenanceState
from fastapi_maintenance._cli.output import scope_json
from fastapi_maintenance.backends import register_backend
from fastapi_maintenance.testing._states import scope_strategy

from .conftest import Invoke
from .drivers import JournalBackend

LATER = "2099-12-01T02:00Z"


@pytest.fixture
def file_backend(state_file: Path) -> list[str]:
    return ["--backend", state_file.as_uri()]


def stored(state_file: Path) -> MaintenanceState:
    return MaintenanceState.from_text(state_file.read_text(encoding="utf-8"))


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("❌ Error: ")
    return lines[0]


def test_on_with_a_scope_stores_it_and_leaves_the_global_switch_off(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    result = invoke(
        "on", "--scope", "billing", "--path", "/billing/*", "--method", "post",
        "-m", "Billing is being upgraded", "--by", "deploy@web-1", *file_backend,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith(f"Scope billing is now ON (file: {state_file})")
    assert "  Paths: /billing/*" in lines
    assert "  Methods: POST" in lines
    assert "  Message: Billing is being upgraded" in lines
    state = stored(state_file)
    assert state.on is False
    scope = state.scope_named("billing")
    assert scope is not None
    assert (scope.paths, scope.methods, scope.updated_by) == (
        ("/billing/*",),
        ("POST",),
        "deploy@web-1",
    )


def test_a_scope_without_by_is_signed_by_who_runs_the_command(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    assert invoke("on", "--scope", "exports", "--tag", "exports", *file_backend).exit_code == 0
    scope = stored(state_file).scope_named("exports")
    assert scope is not None and scope.updated_by is not None and scope.updated_at is not None


def test_on_with_the_name_of_a_stored_scope_replaces_it(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", *file_backend)
    result = invoke("on", "--scope", "billing", "--host", "EU.Shop.example", *file_backend)
    assert result.exit_code == 0, result.output
    (scope,) = stored(state_file).scopes
    assert (scope.paths, scope.hosts) == ((), ("eu.shop.example",))


def test_the_global_switch_keeps_the_stored_scopes(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    invoke("on", "--scope", "billing", "--service", "billing", *file_backend)
    result = invoke("on", *file_backend)
    assert result.exit_code == 0, result.output
    state = stored(state_file)
    assert state.on is True
    assert [scope.name for scope in state.scopes] == ["billing"]


@pytest.mark.parametrize(
    "selector", [["--path", "/billing/*"], ["--method", "POST"], ["--tag", "t"], ["--host", "h"],
                 ["--service", "billing"]],
)  # fmt: skip
def test_a_selector_without_a_scope_name_is_refused_in_one_line_writing_nothing(
    invoke: Invoke, file_backend: list[str], state_file: Path, selector: list[str]
) -> None:
    result = invoke("on", *selector, *file_backend)
    assert result.exit_code == 2
    line = one_error_line(result.stderr)
    assert "name the scope: --scope NAME" in line
    assert selector[0] in line
    assert not state_file.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--scope", "billing", "--path", "billing"], "--path: 'billing' must start with '/'"),
        (["--scope", "billing", "--path", "/bil*ling"], "--path: '/bil*ling' has a '*'"),
        (["--scope", "billing", "--path", "/billing*"], "--path: '/billing*' has a '*'"),
        (["--scope", "billing", "--method", "FETCH"], "--method: 'FETCH' is not an HTTP method"),
        (["--scope", "bad name", "--path", "/billing"], "--scope: 'bad name' is not accepted"),
        (["--scope", "billing", "--host", "shop.example/x"], "--host: 'shop.example/x'"),
        (["--scope", "billing", "--service", "-x"], "--service: '-x' is not a service name"),
        (["--scope", "billing"], "scope 'billing' needs at least one selector: --path, --method"),
    ],
)
def test_a_malformed_scope_is_refused_in_one_line_with_exit_2_writing_nothing(
    invoke: Invoke, file_backend: list[str], state_file: Path, args: list[str], expected: str
) -> None:
    result = invoke("on", *args, *file_backend)
    assert result.exit_code == 2
    assert expected in one_error_line(result.stderr)
    assert result.stdout == ""
    assert not state_file.exists()


def test_off_with_a_scope_ends_that_scope_only(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", *file_backend)
    invoke("on", "--scope", "exports", "--path", "/exports/*", *file_backend)
    invoke("on", *file_backend)
    result = invoke("off", "--scope", "billing", *file_backend)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(f"Scope billing ended (file: {state_file})")
    state = stored(state_file)
    assert state.on is True
    assert [scope.name for scope in state.scopes] == ["exports"]


def test_off_with_a_scope_the_store_does_not_hold_exits_1_writing_nothing(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    invoke("on", "--scope", "exports", "--path", "/exports/*", *file_backend)
    before = state_file.read_bytes()
    result = invoke("off", "--scope", "billing", *file_backend)
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert f"no scope named 'billing' in file: {state_file}; it holds exports" in line
    assert state_file.read_bytes() == before


def test_off_ends_the_global_switch_and_every_scope_and_counts_them(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", *file_backend)
    invoke("on", "--scope", "exports", "--path", "/exports/*", *file_backend)
    result = invoke("off", *file_backend)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == ["  Scopes ended: 2 (billing, exports)"]
    assert state_file.read_bytes() == b"0"


def test_off_json_names_the_scopes_it_ended(invoke: Invoke, file_backend: list[str]) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", *file_backend)
    data = json.loads(invoke("off", "--json", *file_backend).stdout)
    assert (data["scopes"], data["ended_scopes"]) == ([], ["billing"])


def test_off_with_a_malformed_scope_name_is_refused_in_one_line_with_exit_2(
    invoke: Invoke, file_backend: list[str], state_file: Path
) -> None:
    result = invoke("off", "--scope", "bad name", *file_backend)
    assert result.exit_code == 2
    assert "--scope: 'bad name' is not accepted" in one_error_line(result.stderr)
    assert not state_file.exists()


def test_off_with_a_scope_takes_no_by(invoke: Invoke, file_backend: list[str]) -> None:
    result = invoke("off", "--scope", "billing", "--by", "alice", *file_backend)
    assert result.exit_code == 2
    assert "--by goes with ending everything" in one_error_line(result.stderr)


def test_status_lists_active_and_scheduled_scopes_with_their_selectors_and_details(
    invoke: Invoke, file_backend: list[str]
) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", "-m", "Back soon", *file_backend)
    invoke("on", "--scope", "exports", "--tag", "exports", "--start", LATER, "--for", "1h",
           "--read-only", *file_backend)  # fmt: skip
    lines = invoke("status", *file_backend).stdout.splitlines()
    assert lines[0].endswith("Maintenance mode is OFF (file: " + file_backend[1][7:] + ")")
    billing = lines.index(next(line for line in lines if line.endswith("Scope billing is ON")))
    assert lines[billing + 1 : billing + 4] == [
        "  Paths: /billing/*",
        "  Message: Back soon",
        "  Mode: full",
    ]
    exports = lines.index(
        next(line for line in lines if line.endswith("Scope exports is SCHEDULED"))
    )
    assert lines[exports + 1] == "  Tags: exports"
    assert "  Window: from 2099-12-01T02:00:00+00:00 until 2099-12-01T03:00:00+00:00" in lines


def test_status_json_gives_each_scope_with_its_selectors_details_and_activity(
    invoke: Invoke, file_backend: list[str]
) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", "--by", "ops", *file_backend)
    invoke("on", "--scope", "exports", "--tag", "exports", "--start", LATER, *file_backend)
    data = json.loads(invoke("status", "--json", *file_backend).stdout)
    assert data["maintenance"] is False
    billing, exports = data["scopes"]
    assert billing["updated_at"] is not None
    del billing["updated_at"]
    assert billing == {
        "name": "billing", "paths": ["/billing/*"], "methods": [], "tags": [], "hosts": [],
        "services": [], "read_only": False, "message": None, "starts_at": None,
        "ends_at": None, "updated_by": "ops", "allow_ips": [], "allow_paths": [],
        "active": True, "scheduled": False,
    }  # fmt: skip
    assert (exports["name"], exports["active"], exports["scheduled"]) == ("exports", False, True)


def test_status_json_without_scopes_has_an_empty_list(
    invoke: Invoke, file_backend: list[str]
) -> None:
    assert json.loads(invoke("status", "--json", *file_backend).stdout)["scopes"] == []


def test_status_exit_code_is_3_when_only_a_scope_is_active(
    invoke: Invoke, file_backend: list[str]
) -> None:
    invoke("on", "--scope", "billing", "--path", "/billing/*", *file_backend)
    assert invoke("status", "--exit-code", *file_backend).exit_code == 3


def test_status_exit_code_is_0_when_the_only_scope_is_scheduled(
    invoke: Invoke, file_backend: list[str]
) -> None:
    scheduled = ("--start", LATER)
    assert (
        invoke("on", "--scope", "billing", "--path", "/b", *scheduled, *file_backend).exit_code == 0
    )
    assert invoke("status", "--exit-code", *file_backend).exit_code == 0


def test_a_scope_through_the_read_only_env_driver_is_refused_in_one_line(
    invoke: Invoke,
) -> None:
    result = invoke("on", "--scope", "billing", "--path", "/billing/*", "--backend", "env")
    assert result.exit_code == 1
    line = one_error_line(result.stderr)
    assert "cannot set scope 'billing' through env: FASTAPI_MAINTENANCE_MODE" in line
    assert "read-only" in line


def test_a_driver_storing_only_on_and_off_refuses_a_scope_before_writing(
    invoke: Invoke,
) -> None:
    register_backend("journal", JournalBackend)
    JournalBackend.journal.clear()
    result = invoke("on", "--scope", "billing", "--path", "/billing/*", "--backend", "journal")
    assert result.exit_code == 1
    one_error_line(result.stderr)
    assert "set" not in JournalBackend.journal


@given(scope_strategy())
def test_every_scope_reads_back_from_its_status_json_as_it_was(scope: MaintenanceScope) -> None:
    shown = json.loads(json.dumps(scope_json(scope, datetime.now(timezone.utc))))
    assert MaintenanceScope.from_dict(shown) == scope
