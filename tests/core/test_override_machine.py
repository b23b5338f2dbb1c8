"""Override blocks opened and closed in any order, against a model of what must be stored."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from fastapi_maintenance import (
    BaseStateBackend,
    get_maintenance_mode,
    maintenance_mode_on,
    override_maintenance_mode,
    reset_state,
    set_maintenance_mode,
)
from fastapi_maintenance._state.state import state
from fastapi_maintenance.backends import EnvVarBackend, LocalFileBackend

T = TypeVar("T")
ENV_VAR = "FASTAPI_MAINTENANCE_MACHINE_STATE"


class _OverrideModel(RuleBasedStateMachine):
    """Rules shared by every backend; subclasses say where the state is stored."""

    backend: BaseStateBackend

    def __init__(self) -> None:
        super().__init__()
        reset_state()
        self.loop = asyncio.new_event_loop()
        #: What a process without overrides would read from the store.
        self.stored = False
        #: The stored state the first open block found, restored by the last one.
        self.previous: bool | None = None
        self.blocks: list[tuple[override_maintenance_mode, bool]] = []

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(step)

    def held(self) -> bool | None:
        values = [value for _, value in self.blocks]
        if True in values:
            return True
        return False if values else None

    def opened(self, value: bool) -> None:
        before = self.held()
        if before is None:
            self.previous = self.stored
        self.blocks.append((override_maintenance_mode(value, self.backend), value))
        if self.held() != before:
            self.write_through(self.held())

    def closed(self, index: int) -> None:
        before = self.held()
        self.blocks.pop(index)
        after = self.held()
        if after is None:
            self.write_through(self.previous)
            self.previous = None
        elif after != before:
            self.write_through(after)

    def write_through(self, value: bool | None) -> None:
        """What the store holds after an override writes ``value`` (writable stores only)."""

    # rules ----------------------------------------------------------------------------

    @rule(value=st.booleans())
    def open_block(self, value: bool) -> None:
        self.opened(value)
        self.run(self.blocks[-1][0].__aenter__())

    @precondition(lambda self: self.blocks)
    @rule(data=st.data())
    def close_block(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.blocks) - 1), label="block")
        block = self.blocks[index][0]
        self.closed(index)
        self.run(block.__aexit__(None, None, None))

    @rule(outer=st.booleans())
    def run_nested_blocks(self, outer: bool) -> None:
        async def nested() -> tuple[bool, bool]:
            async with override_maintenance_mode(outer, self.backend):
                async with maintenance_mode_on(self.backend):
                    inner_seen = await get_maintenance_mode(self.backend)
                outer_seen = await get_maintenance_mode(self.backend)
            return inner_seen, outer_seen

        expected_outer = True if self.held() else outer
        self.opened(outer)
        self.opened(True)
        self.closed(len(self.blocks) - 1)
        self.closed(len(self.blocks) - 1)
        assert self.run(nested()) == (True, expected_outer)

    @rule()
    def get(self) -> None:
        held = self.held()
        expected = self.stored if held is None else held
        assert self.run(get_maintenance_mode(self.backend)) is expected

    # invariants -----------------------------------------------------------------------

    @invariant()
    def process_wide_counts_match_the_open_blocks(self) -> None:
        values = [value for _, value in self.blocks]
        assert (state.override_depth, state.override_off_depth) == (
            values.count(True),
            values.count(False),
        )

    def teardown(self) -> None:
        while self.blocks:
            self.run(self.blocks.pop()[0].__aexit__(None, None, None))
        self.loop.close()
        reset_state()


class FileOverrideMachine(_OverrideModel):
    """A writable store: blocks write through, and another process sees the writes."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="fastapi-maintenance-machine-")
        path = os.path.join(self.folder, "maintenance")
        self.backend = LocalFileBackend(path, check_interval=0)
        self.other_process = LocalFileBackend(path, check_interval=0)

    def write_through(self, value: bool | None) -> None:
        if value is not None:
            self.stored = value

    @rule(value=st.booleans())
    def set(self, value: bool) -> None:
        self.run(set_maintenance_mode(value, self.backend))
        self.stored = value

    @invariant()
    def other_processes_see_the_stored_state(self) -> None:
        assert self.run(self.other_process.get_value()) is self.stored

    def teardown(self) -> None:
        super().teardown()
        shutil.rmtree(self.folder, ignore_errors=True)


class EnvOverrideMachine(_OverrideModel):
    """A read-only store: blocks live in memory and the variable decides once they end."""

    def __init__(self) -> None:
        super().__init__()
        os.environ.pop(ENV_VAR, None)
        self.backend = EnvVarBackend(ENV_VAR)

    @rule(value=st.booleans())
    def export(self, value: bool) -> None:
        os.environ[ENV_VAR] = "1" if value else "0"
        self.stored = value

    def teardown(self) -> None:
        super().teardown()
        os.environ.pop(ENV_VAR, None)


MACHINE_SETTINGS = settings(max_examples=30, stateful_step_count=20, deadline=None)
TestFileOverrides = FileOverrideMachine.TestCase
TestFileOverrides.settings = MACHINE_SETTINGS
TestEnvOverrides = EnvOverrideMachine.TestCase
TestEnvOverrides.settings = MACHINE_SETTINGS
