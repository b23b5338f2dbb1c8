"""Setting and ending maintenance scopes from code, and what the global switch does to them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import anyio
import pytest

from fastapi_maintenance import (
    MaintenanceScope,
    MaintenanceState,
    UnsupportedStateError,
    end_maintenance_scope,
    get_maintenance_state,
    hookimpl,
    set_maintenance_mode,
    set_maintenance_scope,
    set_maintenance_state,
)
from fastapi_maintenance.backends import EnvVarBackend, LocalFileBackend, register_plugin
from fastapi_maintenance.backends import MemoryBackend as DriverMemoryBackend

pytestmark = pytest.mark.anyio

BILLING = MaintenanceScope("billing", paths=("/billing/*",), message="Billing is down")
EXPORTS = MaintenanceScope("exports", methods=("POST",), tags=("exports",))


@pytest.fixture
def memory() -> Iterator[DriverMemoryBackend]:
    """A memory store of the test's own, forgotten afterwards."""
    backend = DriverMemoryBackend(f"scope-api-{uuid.uuid4().hex}")
    yield backend
    backend.clear()


async def test_set_maintenance_scope_stores_the_scope_stamped_with_the_time(
    memory: DriverMemoryBackend,
) -> None:
    before = datetime.now(timezone.utc)
    written = await set_maintenance_scope(BILLING, memory)
    stored = (await get_maintenance_state(memory)).scope_named("billing")
    assert stored is not None and stored.updated_at is not None and stored.updated_at >= before
    assert written == await get_maintenance_state(memory)


async def test_set_maintenance_scope_replaces_the_scope_of_the_same_name(
    memory: DriverMemoryBackend,
) -> None:
    await set_maintenance_scope(BILLING, memory)
    await set_maintenance_scope(MaintenanceScope("billing", methods=("DELETE",)), memory)
    (stored,) = (await get_maintenance_state(memory)).scopes
    assert (stored.paths, stored.methods, stored.message) == ((), ("DELETE",), None)


async def test_set_maintenance_scope_keeps_the_global_switch_and_the_other_scopes(
    memory: DriverMemoryBackend,
) -> None:
    await set_maintenance_mode(True, memory, message="all down")
    await set_maintenance_scope(BILLING, memory)
    await set_maintenance_scope(EXPORTS, memory)
    state = await get_maintenance_state(memory)
    assert (state.on, state.message) == (True, "all down")
    assert [scope.name for scope in state.scopes] == ["billing", "exports"]


async def test_a_scope_leaves_the_global_state_unstamped(memory: DriverMemoryBackend) -> None:
    await set_maintenance_scope(BILLING, memory)
    state = await get_maintenance_state(memory)
    assert (state.on, state.updated_at, state.updated_by) == (False, None, None)


async def test_set_maintenance_scope_refuses_what_is_not_a_scope(
    memory: DriverMemoryBackend,
) -> None:
    with pytest.raises(TypeError, match="scope must be a MaintenanceScope, got dict"):
        await set_maintenance_scope({"name": "billing"}, memory)  # type: ignore[arg-type]


async def test_end_maintenance_scope_ends_only_that_scope(memory: DriverMemoryBackend) -> None:
    await set_maintenance_scope(BILLING, memory)
    await set_maintenance_scope(EXPORTS, memory)
    assert await end_maintenance_scope("billing", memory) is True
    assert [scope.name for scope in (await get_maintenance_state(memory)).scopes] == ["exports"]


async def test_ending_a_scope_that_does_not_exist_answers_false_and_writes_nothing(
    memory: DriverMemoryBackend,
) -> None:
    await set_maintenance_scope(BILLING, memory)
    before = memory.cached_state()
    assert await end_maintenance_scope("exports", memory) is False
    assert memory.cached_state() is before


async def test_ending_a_malformed_name_is_refused(memory: DriverMemoryBackend) -> None:
    with pytest.raises(ValueError, match="name: 'bill ing' is not accepted; accepted: 1 to 64"):
        await end_maintenance_scope("bill ing", memory)


async def test_ending_the_last_scope_leaves_the_plain_0(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await set_maintenance_scope(BILLING, file_backend)
    await end_maintenance_scope("billing", file_backend)
    assert await anyio.Path(state_file).read_text() == "0"


async def test_switching_on_keeps_the_stored_scopes(memory: DriverMemoryBackend) -> None:
    await set_maintenance_scope(BILLING, memory)
    await set_maintenance_mode(True, memory, message="all down")
    state = await get_maintenance_state(memory)
    assert (state.on, state.message, [s.name for s in state.scopes]) == (
        True,
        "all down",
        ["billing"],
    )


async def test_switching_on_over_a_store_holding_garbage_replaces_it(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await anyio.Path(state_file).write_text("garbage")
    await set_maintenance_mode(True, file_backend)
    assert await anyio.Path(state_file).read_text() == "1"


async def test_switching_off_ends_every_scope_and_stores_the_plain_0(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await set_maintenance_scope(BILLING, file_backend)
    await set_maintenance_mode(True, file_backend)
    await set_maintenance_mode(False, file_backend)
    assert await anyio.Path(state_file).read_text() == "0"


async def test_set_maintenance_state_writes_the_scopes_as_given(
    memory: DriverMemoryBackend,
) -> None:
    await set_maintenance_scope(BILLING, memory)
    await set_maintenance_state(MaintenanceState(on=True, scopes=(EXPORTS,)), memory)
    assert [s.name for s in (await get_maintenance_state(memory)).scopes] == ["exports"]


async def test_a_driver_storing_on_and_off_refuses_a_scope_naming_the_drivers_that_can() -> None:
    with pytest.raises(UnsupportedStateError, match="cannot keep maintenance scopes") as caught:
        await set_maintenance_scope(BILLING, EnvVarBackend())
    assert "file, memory, redis or sql" in str(caught.value)


async def test_plugins_are_told_of_a_change_of_scopes(memory: DriverMemoryBackend) -> None:
    seen: list[MaintenanceState] = []

    class Listener:
        @hookimpl
        def maintenance_mode_changed(self, state: MaintenanceState) -> None:
            seen.append(state)

    register_plugin(Listener())
    await set_maintenance_scope(BILLING, memory)
    await end_maintenance_scope("billing", memory)
    assert [[s.name for s in state.scopes] for state in seen] == [["billing"], []]
