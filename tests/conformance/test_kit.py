"""The kit's whole-state tests fail a driver that breaks their promises."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fastapi_maintenance import BaseStateBackend, MaintenanceState
from fastapi_maintenance.testing import BackendContract

pytestmark = pytest.mark.anyio


class ForgetfulBackend(BaseStateBackend):
    """Claims to store the whole state, but loses the message."""

    stores_details = True

    def __init__(self) -> None:
        self.state = MaintenanceState()

    async def get_value(self) -> bool:
        return self.state.on

    async def set_value(self, value: bool) -> None:
        self.state = MaintenanceState(on=value)

    async def get_state(self) -> MaintenanceState:
        return self.state

    async def set_state(self, state: MaintenanceState) -> None:
        self.state = replace(state, message=None)


class CarelessBackend(BaseStateBackend):
    """Stores on and off only, and silently drops the details it is given."""

    def __init__(self) -> None:
        self.value = False

    async def get_value(self) -> bool:
        return self.value

    async def set_value(self, value: bool) -> None:
        self.value = value

    async def set_state(self, state: MaintenanceState) -> None:
        await self.set_value(state.on)


async def test_a_driver_losing_the_message_fails_the_round_trip() -> None:
    with pytest.raises(AssertionError, match="get_state"):
        await BackendContract().test_edge_states_round_trip(ForgetfulBackend())


async def test_a_driver_storing_on_and_off_that_takes_details_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match="UnsupportedStateError"):
        await BackendContract().test_a_driver_storing_on_and_off_refuses_details_and_writes_nothing(
            CarelessBackend()
        )


class ScopelessBackend(ForgetfulBackend):
    """Claims to store the whole state, but loses the scopes."""

    async def set_state(self, state: MaintenanceState) -> None:
        self.state = replace(state, scopes=())


async def test_a_driver_losing_scopes_fails_their_round_trip() -> None:
    with pytest.raises(AssertionError, match="get_state"):
        await BackendContract().test_edge_scopes_round_trip(ScopelessBackend())


async def test_a_driver_storing_on_and_off_that_takes_scopes_fails() -> None:
    with pytest.raises(pytest.fail.Exception, match="UnsupportedStateError"):
        await BackendContract().test_a_driver_storing_on_and_off_refuses_scopes_and_writes_nothing(
            CarelessBackend()
        )
