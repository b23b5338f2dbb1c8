"""The hooks with the whole state: ``maintenance_mode_changed(state, previous)``, once per
change in each process, and ``maintenance_request_blocked`` for metrics."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fastapi_maintenance import (
    BaseStateBackend,
    MaintenanceState,
    hookimpl,
    maintenance_mode_on,
    set_maintenance_mode,
)
from fastapi_maintenance._state.state import state as package_state
from fastapi_maintenance.backends import register_plugin
from tests.core.support import DetailsBackend, PushingBackend, lifespan_of, shop_app

pytestmark = pytest.mark.anyio

UPGRADE = MaintenanceState(on=True, message="Database upgrade")


class Changes:
    """A plugin remembering each change with the whole state and the previous one."""

    def __init__(self) -> None:
        self.heard: list[tuple[MaintenanceState, MaintenanceState | None]] = []

    @hookimpl
    def maintenance_mode_changed(
        self, state: MaintenanceState, previous: MaintenanceState | None
    ) -> None:
        self.heard.append((state, previous))

    @property
    def messages(self) -> list[str | None]:
        return [state.message for state, _ in self.heard]


class Blocked:
    """A plugin counting blocked requests by path."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.states: list[MaintenanceState] = []

    @hookimpl
    def maintenance_request_blocked(self, scope: Any, state: MaintenanceState) -> None:
        self.paths.append(scope["path"])
        self.states.append(state)


@pytest.fixture
def changes() -> Changes:
    plugin = Changes()
    register_plugin(plugin, name="changes")
    return plugin


async def settle() -> None:
    """Let the middleware's follower take what the driver pushed."""
    for _ in range(5):
        await asyncio.sleep(0)


# maintenance_mode_changed --------------------------------------------------------------


async def test_the_changed_hook_receives_the_new_state_and_the_previous(changes: Changes) -> None:
    backend = DetailsBackend()
    async with lifespan_of(shop_app(backend=backend)):
        await set_maintenance_mode(True, backend, message="Database upgrade")
        await set_maintenance_mode(False, backend)
    [(first, before), (second, after_first)] = changes.heard
    assert (first.message, before) == ("Database upgrade", MaintenanceState())
    assert (second.on, after_first) == (False, first)


async def test_a_script_s_first_write_has_no_previous_and_its_next_one_does(
    changes: Changes,
) -> None:
    backend = DetailsBackend(UPGRADE)
    await set_maintenance_mode(True, backend, message="Database upgrade")
    await set_maintenance_mode(False, backend)
    [(first, unknown), (_, after_first)] = changes.heard
    assert (unknown, after_first) == (None, first)


async def test_an_implementation_naming_only_value_and_backend_still_works() -> None:
    heard: list[tuple[bool, BaseStateBackend]] = []

    class Old:
        @hookimpl
        def maintenance_mode_changed(self, value: bool, backend: BaseStateBackend) -> None:
            heard.append((value, backend))

    register_plugin(Old())
    backend = DetailsBackend()
    await set_maintenance_mode(True, backend, message="Database upgrade")
    assert heard == [(True, backend)]


async def test_a_change_made_by_another_process_is_announced_once(changes: Changes) -> None:
    backend = PushingBackend()
    async with lifespan_of(shop_app(backend=backend)), lifespan_of(shop_app(backend=backend)):
        await settle()
        assert backend.followers == 2
        backend.write_elsewhere(UPGRADE)
        await settle()
    assert changes.heard == [(UPGRADE, MaintenanceState())]


async def test_this_process_s_own_write_pushed_back_is_announced_once(changes: Changes) -> None:
    backend = PushingBackend()
    async with lifespan_of(shop_app(backend=backend)):
        await settle()
        await set_maintenance_mode(True, backend, message="Database upgrade")
        await settle()
    assert changes.messages == ["Database upgrade"]


async def test_a_driver_pushing_on_off_is_announced_with_the_state_it_caches(
    changes: Changes,
) -> None:
    class PushingBools(PushingBackend):
        async def changes(self) -> AsyncIterator[bool]:  # type: ignore[override]
            async for state in super().changes():
                yield state.on

    backend = PushingBools()
    async with lifespan_of(shop_app(backend=backend)):
        await settle()
        backend.write_elsewhere(UPGRADE)
        await settle()
    assert changes.heard == [(UPGRADE, MaintenanceState())]


async def test_the_follower_stops_with_the_application() -> None:
    backend = PushingBackend()
    async with lifespan_of(shop_app(backend=backend)):
        await settle()
        assert backend.followers == 1
    assert backend.followers == 0


async def test_a_block_announces_the_whole_state_it_restores(changes: Changes) -> None:
    backend = DetailsBackend(UPGRADE)
    async with maintenance_mode_on(backend):
        pass
    assert [state for state, _ in changes.heard] == [MaintenanceState(on=True), UPGRADE]


# maintenance_request_blocked -----------------------------------------------------------


async def test_the_blocked_hook_hears_each_blocked_request_with_its_state(
    client_for: Any,
) -> None:
    plugin = Blocked()
    register_plugin(plugin)
    client = client_for(shop_app(backend=DetailsBackend(UPGRADE)))
    await client.get("/items")
    await client.get("/health")  # forced off: not blocked
    await client.post("/items")
    assert plugin.paths == ["/items", "/items"]
    assert plugin.states == [UPGRADE, UPGRADE]


async def test_without_implementations_the_lookup_is_made_once(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    await client.get("/items")
    assert package_state.plugins.blocked_hooks == ()


async def test_a_plugin_registered_later_hears_blocked_requests(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True))
    await client.get("/items")
    plugin = Blocked()
    register_plugin(plugin)
    await client.get("/items")
    assert plugin.paths == ["/items"]


async def test_a_raising_blocked_hook_is_logged_once_and_the_client_gets_its_503(
    client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Failing:
        @hookimpl
        def maintenance_request_blocked(self) -> None:
            raise RuntimeError("metrics server down")

    register_plugin(Failing(), name="metrics")
    client = client_for(shop_app(enable_maintenance=True))
    statuses = [(await client.get("/items")).status_code for _ in range(3)]
    assert statuses == [503, 503, 503]
    logged = [r for r in caplog.records if "maintenance_request_blocked" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert "metrics" in logged[0].getMessage()
