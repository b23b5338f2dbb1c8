"""Reading, writing and configuring the maintenance state from code."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from fastapi_maintenance import (
    BackendNotFoundError,
    MaintenanceState,
    configure_backend,
    get_maintenance_mode,
    hookimpl,
    maintenance_mode_on,
    reset_state,
    set_maintenance_mode,
    set_maintenance_state,
)
from fastapi_maintenance._model.model import OFF, ON
from fastapi_maintenance.backends import (
    EnvVarBackend,
    LocalFileBackend,
    available_backends,
    register_backend,
    register_plugin,
)
from fastapi_maintenance.backends import MemoryBackend as DriverMemoryBackend

from .support import MemoryBackend, shop_app, state_in

pytestmark = pytest.mark.anyio


async def test_set_then_get_round_trips_through_a_file(file_backend: LocalFileBackend) -> None:
    await set_maintenance_mode(True, file_backend)
    assert await get_maintenance_mode(file_backend) is True
    await set_maintenance_mode(False, file_backend)
    assert await get_maintenance_mode(file_backend) is False


async def test_state_set_through_one_file_backend_is_seen_by_another(
    file_backend: LocalFileBackend, state_file: Path
) -> None:
    await set_maintenance_mode(True, file_backend)
    assert await get_maintenance_mode(LocalFileBackend(state_file)) is True


@pytest.fixture
def memory() -> Iterator[DriverMemoryBackend]:
    """A memory store of the test's own, forgotten afterwards."""
    backend = DriverMemoryBackend(f"state-api-{uuid.uuid4().hex}")
    yield backend
    backend.clear()


async def test_a_plain_switch_is_stored_unstamped_as_0_0_5_stored_it(
    memory: DriverMemoryBackend,
) -> None:
    backend = memory
    await set_maintenance_mode(True, backend)
    assert (backend.cached_state(), backend.cached_state().updated_at) == (ON, None)
    await set_maintenance_state(MaintenanceState(on=False), backend)
    assert (backend.cached_state(), backend.cached_state().updated_at) == (OFF, None)


async def test_a_switch_naming_who_is_stamped_with_the_time(memory: DriverMemoryBackend) -> None:
    await set_maintenance_mode(True, memory, updated_by="ops")
    assert memory.cached_state().updated_at is not None


async def test_plugins_are_told_the_plain_state_that_was_stored(
    memory: DriverMemoryBackend,
) -> None:
    seen: list[MaintenanceState] = []

    class Listener:
        @hookimpl
        def maintenance_mode_changed(self, state: MaintenanceState) -> None:
            seen.append(state)

    register_plugin(Listener())
    await set_maintenance_mode(True, memory)
    assert seen == [ON] and seen[0].updated_at is None


async def test_default_backend_is_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    assert await get_maintenance_mode() is False
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "on")
    assert await get_maintenance_mode() is True


async def test_configure_backend_by_name_with_options(state_file: Path) -> None:
    configure_backend("file", file_path=str(state_file))
    await set_maintenance_mode(True)
    assert (await state_in(state_file)).on is True


async def test_configure_backend_by_url(state_file: Path) -> None:
    configure_backend(f"file://{state_file}?check_interval=0")
    await set_maintenance_mode(True)
    assert (await state_in(state_file)).on is True


async def test_configure_backend_with_an_instance() -> None:
    backend = MemoryBackend(True)
    configure_backend(backend)
    assert await get_maintenance_mode() is True
    await set_maintenance_mode(False)
    assert backend.value is False


async def test_configure_backend_with_an_env_var_name(monkeypatch: pytest.MonkeyPatch) -> None:
    configure_backend("env", var_name="SHOP_MAINTENANCE")
    monkeypatch.setenv("SHOP_MAINTENANCE", "yes")
    assert await get_maintenance_mode() is True


def test_unknown_backend_name_raises_value_error_listing_the_names() -> None:
    with pytest.raises(ValueError, match="unknown backend 'bogus'") as raised:
        configure_backend("bogus")
    assert isinstance(raised.value, BackendNotFoundError)
    assert "env" in str(raised.value)
    assert "file" in str(raised.value)


def test_unknown_url_scheme_raises_value_error_listing_the_names() -> None:
    with pytest.raises(ValueError, match="bogus") as raised:
        configure_backend("bogus://somewhere")
    assert "file" in str(raised.value)


async def test_backend_env_var_may_name_a_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "env")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "1")
    assert await get_maintenance_mode() is True


async def test_backend_env_var_may_be_a_url(
    monkeypatch: pytest.MonkeyPatch, state_file: Path
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", f"file://{state_file}")
    await set_maintenance_mode(True)
    assert (await state_in(state_file)).on is True


async def test_backend_env_var_is_used_by_a_middleware_without_backend(
    monkeypatch: pytest.MonkeyPatch, state_file: Path, client_for: Any
) -> None:
    await anyio.Path(state_file).write_text("1")
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", f"file://{state_file}")
    assert (await client_for(shop_app()).get("/items")).status_code == 503


async def test_configured_backend_beats_the_backend_env_var(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_BACKEND", "env")
    configure_backend(MemoryBackend(True))
    assert await get_maintenance_mode() is True


async def test_set_on_the_env_backend_logs_a_warning_and_changes_nothing(
    logged: Any,
) -> None:
    await set_maintenance_mode(True, EnvVarBackend())
    assert await get_maintenance_mode(EnvVarBackend()) is False
    assert logged("read-only")


# specs in the state functions ----------------------------------------------------------


async def test_set_and_get_accept_a_url(state_file: Path) -> None:
    await set_maintenance_mode(True, f"file://{state_file}")
    assert (await state_in(state_file)).on is True
    assert await get_maintenance_mode(f"file://{state_file}") is True


async def test_get_accepts_a_driver_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_MODE", "on")
    assert await get_maintenance_mode("env") is True


async def test_maintenance_mode_on_accepts_a_url(state_file: Path) -> None:
    async with maintenance_mode_on(f"file://{state_file}"):
        assert (await state_in(state_file)).on is True
    assert await get_maintenance_mode(f"file://{state_file}") is False


async def test_a_block_opened_on_a_spec_is_seen_by_reads_of_that_spec() -> None:
    # The env driver cannot store the block's state: only the backend it opened on knows it.
    async with maintenance_mode_on("env://SHOP_MAINTENANCE"):
        assert await get_maintenance_mode("env://SHOP_MAINTENANCE") is True
    assert await get_maintenance_mode("env://SHOP_MAINTENANCE") is False


NOT_A_BACKEND = [42, b"file:///tmp/m", ["file"], object(), MemoryBackend]
NOT_A_BACKEND_IDS = ["int", "bytes", "list", "object", "class"]
ACCEPTED = r"BaseStateBackend instance, a driver name .* or a URL"


@pytest.mark.parametrize("backend", NOT_A_BACKEND, ids=NOT_A_BACKEND_IDS)
async def test_set_refuses_what_is_neither_a_backend_nor_a_spec(backend: object) -> None:
    with pytest.raises(TypeError, match=ACCEPTED):
        await set_maintenance_mode(True, backend)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", NOT_A_BACKEND, ids=NOT_A_BACKEND_IDS)
async def test_get_refuses_what_is_neither_a_backend_nor_a_spec(backend: object) -> None:
    with pytest.raises(TypeError, match=ACCEPTED):
        await get_maintenance_mode(backend)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", NOT_A_BACKEND, ids=NOT_A_BACKEND_IDS)
def test_maintenance_mode_on_refuses_what_is_neither_a_backend_nor_a_spec(
    backend: object,
) -> None:
    with pytest.raises(TypeError, match=ACCEPTED):
        maintenance_mode_on(backend)  # type: ignore[arg-type]


# several apps in one process -----------------------------------------------------------


async def _started(client_for: Any, **options: Any) -> Any:
    """A client of a shop app whose middleware is built (as it is once the app has started)."""
    client = client_for(shop_app(**options))
    await client.get("/items")
    return client


async def test_an_app_with_a_backend_leaves_an_app_without_one_on_the_default(
    client_for: Any,
) -> None:
    await _started(client_for, backend=MemoryBackend(True))
    plain = await _started(client_for)
    assert (await plain.get("/items")).status_code == 200


async def test_configure_backend_reaches_set_maintenance_mode_after_an_app_with_a_backend(
    client_for: Any,
) -> None:
    given, configured = MemoryBackend(False), MemoryBackend(False)
    await _started(client_for, backend=given)
    configure_backend(configured)
    await set_maintenance_mode(True)
    assert (configured.value, given.value) == (True, False)


async def test_an_app_without_a_backend_follows_the_configured_one(client_for: Any) -> None:
    await _started(client_for, backend=MemoryBackend(False))
    configured = MemoryBackend(False)
    configure_backend(configured)
    plain = await _started(client_for)
    configured.value = True
    assert (await plain.get("/items")).status_code == 503


async def test_the_configured_backend_wins_over_an_apps_for_calls_without_a_backend(
    client_for: Any,
) -> None:
    configured = MemoryBackend(True)
    configure_backend(configured)
    await _started(client_for, backend=MemoryBackend(False))
    assert await get_maintenance_mode() is True
    await set_maintenance_mode(False)
    assert configured.value is False


async def test_the_configured_backend_wins_over_an_apps_for_blocks_without_a_backend(
    client_for: Any,
) -> None:
    given, configured = MemoryBackend(False), MemoryBackend(False)
    await _started(client_for, backend=given)
    configure_backend(configured)
    async with maintenance_mode_on():
        assert (configured.value, given.value) == (True, False)


async def test_without_configure_calls_use_the_single_apps_backend(client_for: Any) -> None:
    given = MemoryBackend(False)
    await _started(client_for, backend=given)
    await set_maintenance_mode(True)
    assert given.value is True


async def test_with_several_app_backends_calls_use_the_latest_and_say_so_once(
    client_for: Any, logged: Any
) -> None:
    first, latest = MemoryBackend(False), MemoryBackend(False)
    await _started(client_for, backend=first)
    await _started(client_for, backend=latest)
    await set_maintenance_mode(True)
    await set_maintenance_mode(True)
    assert (first.value, latest.value) == (False, True)
    assert len(logged("several apps")) == 1


# reset_state ---------------------------------------------------------------------------


class _Heard:
    def __init__(self) -> None:
        self.values: list[bool] = []

    @hookimpl
    def maintenance_mode_changed(self, value: bool) -> None:
        self.values.append(value)


async def test_reset_state_forgets_backends_registrations_plugins_and_blocks(
    client_for: Any,
) -> None:
    heard, given = _Heard(), MemoryBackend(True)
    register_plugin(heard)
    register_backend("shop-memory", MemoryBackend)
    configure_backend("shop-memory", value=True)
    await _started(client_for, backend=given)
    block = maintenance_mode_on("env://SHOP_MAINTENANCE")
    await block.__aenter__()
    reset_state()
    assert "shop-memory" not in available_backends()
    assert await get_maintenance_mode() is False  # env again, no block, no app backend
    assert await get_maintenance_mode("env://SHOP_MAINTENANCE") is False
    await set_maintenance_mode(True, given)
    assert heard.values == [True]  # before the reset only: the plugin is gone
