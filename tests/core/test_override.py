"""``maintenance_mode_on``: maintenance for a block, restored however blocks end or overlap."""

from __future__ import annotations

import asyncio
import os
import random
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import pytest

from fastapi_maintenance import (
    BackendUnavailableError,
    MaintenanceState,
    configure_backend,
    get_maintenance_mode,
    hookimpl,
    maintenance_mode_on,
    override_maintenance_mode,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import EnvVarBackend, LocalFileBackend, register_plugin

from .support import DetailsBackend, MemoryBackend, shop_app, state_in

pytestmark = pytest.mark.anyio


class SlowBackend(MemoryBackend):
    """Every read and write yields to other tasks for a random moment, as a network store would."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._random = random.Random(seed)

    async def get_value(self) -> bool:
        await asyncio.sleep(self._random.random() / 1000)
        return await super().get_value()

    async def set_value(self, value: bool) -> None:
        await asyncio.sleep(self._random.random() / 1000)
        await super().set_value(value)


async def test_block_turns_maintenance_on_and_restores_it(file_backend: LocalFileBackend) -> None:
    async with maintenance_mode_on(file_backend):
        assert await get_maintenance_mode(file_backend) is True
    assert await get_maintenance_mode(file_backend) is False


async def test_block_uses_the_default_backend(file_backend: LocalFileBackend) -> None:
    configure_backend(file_backend)
    async with maintenance_mode_on():
        assert await get_maintenance_mode() is True
    assert await get_maintenance_mode() is False


async def test_block_puts_the_app_in_maintenance(client_for: Any) -> None:
    backend = MemoryBackend(False)
    client = client_for(shop_app(backend=backend))
    async with maintenance_mode_on(backend):
        assert (await client.get("/items")).status_code == 503
    assert (await client.get("/items")).status_code == 200


async def test_block_works_as_a_decorator(file_backend: LocalFileBackend) -> None:
    @maintenance_mode_on(file_backend)
    async def migrate() -> bool:
        return await get_maintenance_mode(file_backend)

    assert await migrate() is True
    assert await get_maintenance_mode(file_backend) is False


def test_decorating_a_sync_function_is_refused() -> None:
    with pytest.raises(TypeError, match="async functions"):
        maintenance_mode_on()(lambda: None)


async def test_block_restores_the_state_when_it_raises(file_backend: LocalFileBackend) -> None:
    with pytest.raises(RuntimeError):
        async with maintenance_mode_on(file_backend):
            raise RuntimeError("migration failed")
    assert await get_maintenance_mode(file_backend) is False


async def test_block_restores_a_state_that_was_already_on(file_backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, file_backend)
    async with maintenance_mode_on(file_backend):
        pass
    assert await get_maintenance_mode(file_backend) is True


async def test_nested_blocks_restore_only_when_the_outer_one_ends(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    async with maintenance_mode_on(file_backend):
        async with maintenance_mode_on(file_backend):
            pass
        assert (await state_in(state_file)).on is True
    assert (await state_in(state_file)).on is False


async def test_the_same_block_object_can_be_nested(file_backend: LocalFileBackend) -> None:
    block = maintenance_mode_on(file_backend)
    async with block:
        async with block:
            pass
        assert await get_maintenance_mode(file_backend) is True
    assert await get_maintenance_mode(file_backend) is False


@pytest.mark.parametrize("seed", range(5))
async def test_many_overlapping_blocks_leave_the_state_restored(seed: int) -> None:
    backend = SlowBackend(seed)
    timing = random.Random(seed)

    async def one_block() -> None:
        await asyncio.sleep(timing.random() / 200)
        async with maintenance_mode_on(backend):
            assert await get_maintenance_mode(backend) is True
            await asyncio.sleep(timing.random() / 200)

    await asyncio.gather(*(one_block() for _ in range(50)))
    assert backend.value is False
    assert await get_maintenance_mode(backend) is False


async def test_many_overlapping_blocks_on_a_file_leave_it_restored(
    file_backend: LocalFileBackend, state_file: Path, client_for: Any
) -> None:
    timing = random.Random(7)
    client = client_for(shop_app(backend=file_backend))

    async def one_block() -> None:
        await asyncio.sleep(timing.random() / 100)
        async with maintenance_mode_on(file_backend):
            assert (await client.get("/items")).status_code == 503

    await asyncio.gather(*(one_block() for _ in range(20)))
    assert (await state_in(state_file)).on is False
    assert (await client.get("/items")).status_code == 200


async def test_env_backend_gets_an_in_memory_override(
    client_for: Any, monkeypatch: pytest.MonkeyPatch, logged: Any
) -> None:
    client = client_for(shop_app())
    async with maintenance_mode_on():
        assert await get_maintenance_mode() is True
        assert (await client.get("/items")).status_code == 503
        assert "FASTAPI_MAINTENANCE_MODE" not in os.environ
    assert await get_maintenance_mode() is False
    assert (await client.get("/items")).status_code == 200
    assert not logged("read-only")


async def test_env_override_ends_with_the_env_var_deciding_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = EnvVarBackend()
    async with maintenance_mode_on(backend):
        monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    assert await get_maintenance_mode(backend) is True


async def test_file_backend_writes_the_override_through(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    other_process_view = LocalFileBackend(state_file)
    async with maintenance_mode_on(file_backend):
        assert await other_process_view.get_value() is True
    assert await other_process_view.get_value() is False


async def test_off_override_opens_the_app_and_restores_the_stored_state(
    file_backend: LocalFileBackend, state_file: Path, client_for: Any
) -> None:
    await set_maintenance_mode(True, file_backend)
    client = client_for(shop_app(backend=file_backend))
    async with override_maintenance_mode(False, file_backend):
        assert (await client.get("/items")).status_code == 200
        assert await get_maintenance_mode(file_backend) is False
    assert (await client.get("/items")).status_code == 503
    assert (await state_in(state_file)).on is True


async def test_on_override_wins_over_an_off_override(client_for: Any) -> None:
    backend = MemoryBackend(False)
    client = client_for(shop_app(backend=backend))
    async with override_maintenance_mode(False, backend), maintenance_mode_on(backend):
        assert (await client.get("/items")).status_code == 503
        assert await get_maintenance_mode(backend) is True


async def test_block_that_cannot_write_leaves_nothing_open(tmp_path: Path, client_for: Any) -> None:
    unwritable = LocalFileBackend(tmp_path / "missing-folder" / "state")
    client = client_for(shop_app(backend=MemoryBackend(False)))
    with pytest.raises(BackendUnavailableError):
        async with maintenance_mode_on(unwritable):
            pytest.fail("the block must not run when maintenance could not be turned on")
    assert (await client.get("/items")).status_code == 200


async def test_block_that_cannot_restore_raises_and_closes_the_override(
    tmp_path: Path, client_for: Any
) -> None:
    folder = tmp_path / "run"
    await anyio.Path(folder).mkdir()
    backend = LocalFileBackend(folder / "maintenance", check_interval=0)
    client = client_for(shop_app(backend=backend))
    with pytest.raises(BackendUnavailableError, match="cannot write"):
        async with maintenance_mode_on(backend):
            await anyio.Path(folder / "maintenance").unlink()
            await anyio.Path(folder).rmdir()
    assert (await client.get("/items")).status_code == 200


async def test_block_notifies_plugins_when_it_opens_and_closes() -> None:
    seen: list[bool] = []

    class Listener:
        @hookimpl
        def maintenance_mode_changed(self, value: bool, backend: Any) -> None:
            seen.append(value)

    register_plugin(Listener())
    backend = MemoryBackend(False)
    async with maintenance_mode_on(backend), maintenance_mode_on(backend):
        pass
    assert seen == [True, False]


async def test_block_over_a_garbage_file_opens_and_restores_the_served_state(
    state_file: Path,
) -> None:
    path = anyio.Path(state_file)
    await path.write_text("on")
    backend = LocalFileBackend(state_file)
    assert backend.cached_value() is True
    await path.write_text("garbage")
    async with maintenance_mode_on(backend):
        assert await get_maintenance_mode(backend) is True
    assert (await state_in(path)).on is True


async def test_env_block_over_a_garbage_variable_closes_cleanly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = EnvVarBackend()
    async with maintenance_mode_on(backend):
        monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "garbage")
    assert backend.cached_value() is False


async def test_last_block_to_close_restores_the_whole_stored_state() -> None:
    scheduled = MaintenanceState(
        on=True,
        read_only=True,
        message="Upgrade at 03:00 UTC",
        starts_at=datetime(2030, 6, 1, 3, tzinfo=timezone.utc),
        ends_at=datetime(2030, 6, 1, 4, tzinfo=timezone.utc),
        updated_by="ops",
        updated_at=datetime(2030, 5, 30, tzinfo=timezone.utc),
    )
    backend = DetailsBackend(scheduled)
    async with maintenance_mode_on(backend), maintenance_mode_on(backend):
        assert backend.state == MaintenanceState(on=True)
    assert backend.state == scheduled
