"""``BackendContract``: what every state driver promises, as tests a driver's tests inherit."""

from __future__ import annotations

import importlib.util
import itertools
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar
from urllib.parse import urlsplit

import anyio
import pytest

from .._model.backend import BaseStateBackend
from .._model.errors import (
    BackendNotFoundError,
    BackendUnavailableError,
    InvalidStateError,
    UnsupportedStateError,
)
from .._model.model import MaintenanceScope, MaintenanceState
from .._plugins.specs import build_backend
from .._state.api import (
    end_maintenance_scope,
    set_maintenance_mode,
    set_maintenance_scope,
    set_maintenance_state,
)
from .._state.override import maintenance_mode_on
from .._state.state import state as package_state
from ._states import edge_scopes, edge_states, scoped_state_strategy, state_strategy

_T = TypeVar("_T")
#: What the ``stored_text`` fixture gives: reads the raw content of the driver's store.
StoredText = Callable[[], Awaitable[str | None]]

#: How long the changes test waits before writing again, in case the subscription was not live.
_RESUBSCRIBE_AFTER = 0.2
#: Whether hypothesis is installed, for the round trips of states of every shape.
_HYPOTHESIS = importlib.util.find_spec("hypothesis") is not None
if _HYPOTHESIS:
    from hypothesis import HealthCheck, given, settings


class BackendContract:
    """The conformance tests of a state driver; subclass it and override the fixtures.

    ``backend`` is required: a fresh instance over a clean store, one that reads as off.
    ``second_backend`` (another instance over the same store), ``backend_url`` (a URL naming
    that same store), ``failing_backend`` (an instance whose writes cannot succeed),
    ``garbage_backend`` (an instance over a store holding something that is not a state),
    ``unreadable_backend`` (an instance whose store cannot be read) and ``stored_text`` (an
    async function reading what the store holds, so the kit can check that a plain switch
    stores 0.0.5's ``1``/``0``) are optional; each test that needs a missing fixture or
    capability skips and says why.
    Tests use the backend without calling ``start()`` first, as drivers must allow.

    A driver that declares ``stores_details`` must give back every state it was given,
    message, window, read-only, who and when, and scopes included (with hypothesis
    installed, states of every shape); one that does not must refuse a state with details or
    scopes and write nothing.
    """

    pytestmark = pytest.mark.anyio

    #: Seconds a change made through the store may take to come out of ``changes()``.
    change_timeout: float = 5.0
    #: Writer tasks (and as many reader tasks) in the concurrency test.
    concurrent_tasks: int = 24
    #: Set by a driver whose one-shot reads answer off, with a warning, for a store holding
    #: garbage, as the ``env`` driver does (and fastapi-maintenance 0.0.5's did), instead of
    #: raising ``InvalidStateError``.
    garbage_reads_off: bool = False

    # fixtures to override ----------------------------------------------------------------

    @pytest.fixture
    def backend(self) -> BaseStateBackend:
        """Required: a fresh instance over a clean store."""
        raise NotImplementedError(f"{type(self).__name__} must override the backend fixture")

    @pytest.fixture
    def second_backend(self) -> BaseStateBackend | None:
        """Another instance over the same store as ``backend``, for shared-state checks."""
        return None

    @pytest.fixture
    def backend_url(self) -> str | None:
        """A URL the driver accepts, naming the same store as ``backend``."""
        return None

    @pytest.fixture
    def failing_backend(self) -> BaseStateBackend | None:
        """An instance whose store refuses writes (missing folder, unreachable server)."""
        return None

    @pytest.fixture
    def garbage_backend(self) -> BaseStateBackend | None:
        """An instance over a store that holds something that is not a state (``maybe``)."""
        return None

    @pytest.fixture
    def unreadable_backend(self) -> BaseStateBackend | None:
        """An instance whose store cannot be read (a folder at a file's path, no server)."""
        return None

    @pytest.fixture
    def stored_text(self) -> StoredText | None:
        """An async function giving what ``backend``'s store holds now, as text (``None``
        where it holds nothing), read behind the driver's back: a file's content, a Redis
        ``GET``, a row's column. It lets the kit check the form a plain switch is stored in.
        """
        return None

    # reading and writing ---------------------------------------------------------------

    async def test_clean_store_reads_off(self, backend: BaseStateBackend) -> None:
        value = await backend.get_value()
        assert value is False, f"get_value() on a clean store must return False, got {value!r}"

    async def test_set_value_round_trips(self, backend: BaseStateBackend) -> None:
        _require_writable(backend)
        for value in (True, False, True):
            await backend.set_value(value)
            assert await backend.get_value() is value

    async def test_second_instance_sees_the_state(
        self, backend: BaseStateBackend, second_backend: BaseStateBackend | None
    ) -> None:
        _require_writable(backend)
        other = _require(second_backend, "second_backend", "the state shared between instances")
        await backend.set_value(True)
        assert await other.get_value() is True
        await other.set_value(False)
        assert await backend.get_value() is False

    async def test_read_only_write_changes_nothing_and_warns(
        self, backend: BaseStateBackend, caplog: pytest.LogCaptureFixture
    ) -> None:
        if not backend.read_only:
            pytest.skip(f"{type(backend).__name__} is writable")
        before = await backend.get_value()
        with caplog.at_level(logging.WARNING):
            await backend.set_value(not before)
        assert await backend.get_value() is before, "a read-only driver must not change state"
        assert any(r.levelno >= logging.WARNING for r in caplog.records), (
            "a refused write must log a warning saying why, not pass silently"
        )

    async def test_concurrent_writes_and_reads_end_in_a_consistent_state(
        self, backend: BaseStateBackend
    ) -> None:
        """The final state is one a sequential store could hold: the value of a write that no
        other write began after. Readers meanwhile get booleans, and nothing raises."""
        _require_writable(backend)
        rng = random.Random(f"{type(backend).__qualname__}")
        clock = itertools.count()
        writes: list[tuple[int, int, bool]] = []
        reads: list[bool] = []
        cached: list[bool | None] = []

        async def write(value: bool, delay: float) -> None:
            await anyio.sleep(delay)
            began = next(clock)
            await backend.set_value(value)
            writes.append((began, next(clock), value))

        async def read(delay: float) -> None:
            await anyio.sleep(delay)
            reads.append(await backend.get_value())
            cached.append(backend.cached_value())

        async with anyio.create_task_group() as tasks:
            for _ in range(self.concurrent_tasks):
                tasks.start_soon(write, rng.random() < 0.5, rng.random() / 100)
                tasks.start_soon(read, rng.random() / 100)

        last = {value for _, ended, value in writes if not any(b > ended for b, _, _ in writes)}
        final = await backend.get_value()
        assert final in last, f"after concurrent writes get_value() is {final}; last writes: {last}"
        assert all(type(value) is bool for value in reads)
        assert all(value is None or type(value) is bool for value in cached)

    # the request hot path --------------------------------------------------------------

    async def test_cached_value_is_a_bool_or_none(self, backend: BaseStateBackend) -> None:
        value = backend.cached_value()
        assert value is None or type(value) is bool, f"cached_value() returned {value!r}"

    async def test_cached_value_agrees_with_get_value(self, backend: BaseStateBackend) -> None:
        compared = 0
        for value in (None,) if backend.read_only else (True, False):
            if value is not None:
                await backend.set_value(value)
            current = await backend.get_value()
            cached = backend.cached_value()
            if cached is not None:
                assert cached is current, (
                    f"cached_value() is {cached} while get_value() is {current}"
                )
                compared += 1
        if not compared:
            pytest.skip(f"{type(backend).__name__} keeps no cache (cached_value() is None)")

    async def test_cached_state_is_a_state_or_none(self, backend: BaseStateBackend) -> None:
        _check_cached_state(backend)

    async def test_cached_state_does_not_raise_when_the_store_fails(
        self, failing_backend: BaseStateBackend | None
    ) -> None:
        failing = _require(failing_backend, "failing_backend", "behaviour under faults")
        _check_cached_state(failing)

    async def test_cached_state_does_not_raise_when_the_store_holds_garbage(
        self, garbage_backend: BaseStateBackend | None
    ) -> None:
        _check_cached_state(_require(garbage_backend, "garbage_backend", "a store holding garbage"))

    async def test_cached_state_does_not_raise_when_the_store_cannot_be_read(
        self, unreadable_backend: BaseStateBackend | None
    ) -> None:
        _check_cached_state(
            _require(unreadable_backend, "unreadable_backend", "an unreadable store")
        )

    async def test_cached_value_does_not_raise_when_the_store_fails(
        self, failing_backend: BaseStateBackend | None
    ) -> None:
        failing = _require(failing_backend, "failing_backend", "behaviour under faults")
        value = failing.cached_value()
        assert value is None or type(value) is bool, f"cached_value() returned {value!r}"

    async def test_cached_value_does_not_raise_when_the_store_holds_garbage(
        self, garbage_backend: BaseStateBackend | None
    ) -> None:
        garbage = _require(garbage_backend, "garbage_backend", "a store holding garbage")
        value = garbage.cached_value()
        assert value is None or type(value) is bool, f"cached_value() returned {value!r}"

    async def test_cached_value_does_not_raise_when_the_store_cannot_be_read(
        self, unreadable_backend: BaseStateBackend | None
    ) -> None:
        unreadable = _require(unreadable_backend, "unreadable_backend", "an unreadable store")
        value = unreadable.cached_value()
        assert value is None or type(value) is bool, f"cached_value() returned {value!r}"

    # one-shot reads --------------------------------------------------------------------

    async def test_one_shot_read_of_garbage_raises_invalid_state(
        self, garbage_backend: BaseStateBackend | None
    ) -> None:
        """``get_value()`` must not answer a guess (off, or the last known state) when the
        store holds no state: a caller such as ``fastapi-maintenance status`` relies on it."""
        garbage = self._raising_garbage(garbage_backend)
        with pytest.raises(InvalidStateError):
            await garbage.get_value()

    async def test_one_shot_state_read_of_garbage_raises_invalid_state(
        self, garbage_backend: BaseStateBackend | None
    ) -> None:
        garbage = self._raising_garbage(garbage_backend)
        with pytest.raises(InvalidStateError):
            await garbage.get_state()

    async def test_one_shot_reads_of_garbage_answer_off_and_warn_once(
        self, garbage_backend: BaseStateBackend | None, caplog: pytest.LogCaptureFixture
    ) -> None:
        """For a driver with ``garbage_reads_off``: off, never an error, and one warning
        however often it is read, so an app's own status endpoint neither fails nor floods
        the log."""
        garbage = _require(garbage_backend, "garbage_backend", "a store holding garbage")
        if not self.garbage_reads_off:
            pytest.skip(f"{type(garbage).__name__} raises for garbage (garbage_reads_off unset)")
        with caplog.at_level(logging.WARNING):
            for _ in range(3):
                assert await garbage.get_value() is False
                assert (await garbage.get_state()).on is False
            assert garbage.cached_value() in (None, False)
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, f"expected one warning, got {[r.getMessage() for r in warnings]}"

    def _raising_garbage(self, garbage_backend: BaseStateBackend | None) -> BaseStateBackend:
        garbage = _require(garbage_backend, "garbage_backend", "a store holding garbage")
        if self.garbage_reads_off:
            pytest.skip(f"{type(garbage).__name__} reads garbage as off (garbage_reads_off)")
        return garbage

    async def test_one_shot_read_of_an_unreadable_store_raises_backend_unavailable(
        self, unreadable_backend: BaseStateBackend | None
    ) -> None:
        unreadable = _require(unreadable_backend, "unreadable_backend", "an unreadable store")
        with pytest.raises(BackendUnavailableError):
            await unreadable.get_value()

    # the whole state -------------------------------------------------------------------

    async def test_edge_states_round_trip(self, backend: BaseStateBackend) -> None:
        """Every field comes back as written, through ``get_state`` and ``cached_state``."""
        _require_details(backend)
        for state in edge_states(datetime.now(timezone.utc)):
            await _round_trip(backend, state)

    if _HYPOTHESIS:  # else the edge states alone are checked

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(state=state_strategy())
        async def test_any_state_round_trips(
            self, backend: BaseStateBackend, state: MaintenanceState
        ) -> None:
            _require_details(backend)
            await _round_trip(backend, state)

    async def test_edge_scopes_round_trip(self, backend: BaseStateBackend) -> None:
        """Scopes come back as written: every selector and detail, and the most scopes a
        state holds with the longest details (the largest document a store keeps)."""
        _require_details(backend)
        for state in edge_scopes(datetime.now(timezone.utc)):
            await _round_trip(backend, state)

    if _HYPOTHESIS:

        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(state=scoped_state_strategy())
        async def test_any_state_with_scopes_round_trips(
            self, backend: BaseStateBackend, state: MaintenanceState
        ) -> None:
            _require_details(backend)
            await _round_trip(backend, state)

    async def test_second_instance_sees_the_scopes(
        self, backend: BaseStateBackend, second_backend: BaseStateBackend | None
    ) -> None:
        _require_details(backend)
        other = _require(second_backend, "second_backend", "the scopes shared between instances")
        state = edge_scopes(datetime.now(timezone.utc))[1]
        await backend.set_state(state)
        assert await other.get_state() == state

    async def test_ending_the_last_scope_stores_a_plain_0(
        self, backend: BaseStateBackend, stored_text: StoredText | None
    ) -> None:
        """Set and ended from code, a scope leaves the store as it found it: 0.0.5's ``0``."""
        _require_details(backend)
        read = _require(stored_text, "stored_text", "the form a state without scopes is stored in")
        await set_maintenance_scope(_SCOPE, backend)
        stored = await read()
        assert stored is not None, "set_maintenance_scope() stored nothing"
        assert MaintenanceState.from_text(stored).scope_named(_SCOPE.name) is not None
        assert await end_maintenance_scope(_SCOPE.name, backend) is True
        stored = await read()
        assert stored == "0", f"ending the last scope stored {stored!r}, not '0'"

    async def test_second_instance_sees_the_whole_state(
        self, backend: BaseStateBackend, second_backend: BaseStateBackend | None
    ) -> None:
        _require_details(backend)
        other = _require(second_backend, "second_backend", "the state shared between instances")
        state = edge_states(datetime.now(timezone.utc))[-1]
        await backend.set_state(state)
        assert await other.get_state() == state

    async def test_set_value_after_details_leaves_a_plain_state(
        self, backend: BaseStateBackend
    ) -> None:
        _require_details(backend)
        await backend.set_state(edge_states(datetime.now(timezone.utc))[-1])
        await backend.set_value(True)
        assert await backend.get_state() == MaintenanceState(on=True)
        await backend.set_value(False)
        assert await backend.get_state() == MaintenanceState(on=False)

    async def test_values_say_whether_the_state_is_active_now(
        self, backend: BaseStateBackend
    ) -> None:
        """``get_value``/``cached_value`` answer 0.0.5's question: is maintenance on now?"""
        _require_details(backend)
        scheduled = MaintenanceState(on=True, starts_at=datetime.now(timezone.utc) + _DAY)
        await backend.set_state(scheduled)
        assert await backend.get_value() is False, "a window not started yet is not active"
        assert backend.cached_value() in (None, False)
        await backend.set_state(MaintenanceState(on=True, ends_at=scheduled.starts_at))
        assert await backend.get_value() is True
        assert backend.cached_value() in (None, True)

    async def test_a_plain_switch_stores_a_plain_1_or_0(
        self, backend: BaseStateBackend, stored_text: StoredText | None
    ) -> None:
        """Every plain switch stores 0.0.5's ``1``/``0``, never a document: shell checks and
        processes still on 0.0.5 (which fail on anything else) keep reading the store."""
        _require_writable(backend)
        read = _require(stored_text, "stored_text", "the form a plain switch is stored in")
        switches: list[tuple[str, Callable[[], Awaitable[None]], str]] = [
            ("set_value(True)", lambda: backend.set_value(True), "1"),
            ("set_value(False)", lambda: backend.set_value(False), "0"),
            ("set_maintenance_mode(True)", lambda: set_maintenance_mode(True, backend), "1"),
            ("set_maintenance_mode(False)", lambda: set_maintenance_mode(False, backend), "0"),
            (
                "set_maintenance_state(MaintenanceState(on=True))",
                lambda: set_maintenance_state(MaintenanceState(on=True), backend),
                "1",
            ),
        ]
        for call, switch, word in switches:
            await switch()
            stored = await read()
            assert stored == word, f"{call} stored {stored!r}; a plain switch stores {word!r}"
        await backend.set_value(False)
        async with maintenance_mode_on(backend):
            stored = await read()
            assert stored == "1", f"a maintenance_mode_on() block stored {stored!r}, not '1'"
        stored = await read()
        assert stored == "0", f"closing a maintenance_mode_on() block stored {stored!r}, not '0'"

    async def test_a_switch_with_details_stores_the_whole_stamped_state(
        self, backend: BaseStateBackend, stored_text: StoredText | None
    ) -> None:
        _require_details(backend)
        read = _require(stored_text, "stored_text", "the form a state with details is stored in")
        await set_maintenance_mode(True, backend, message="Back soon", updated_by="ops")
        stored = await read()
        assert stored is not None, "a switch with details stored nothing"
        kept = MaintenanceState.from_text(stored)
        assert (kept.message, kept.updated_by) == ("Back soon", "ops")
        assert kept.updated_at is not None, "a switch with details is stamped with its time"

    async def test_a_driver_storing_on_and_off_refuses_details_and_writes_nothing(
        self, backend: BaseStateBackend
    ) -> None:
        if backend.stores_details:
            pytest.skip(f"{type(backend).__name__} stores the whole state")
        _require_writable(backend)
        await backend.set_value(False)
        with pytest.raises(UnsupportedStateError):
            await backend.set_state(MaintenanceState(on=True, message="Back soon"))
        assert await backend.get_value() is False, "a refused state must write nothing"

    async def test_a_driver_storing_on_and_off_refuses_scopes_and_writes_nothing(
        self, backend: BaseStateBackend
    ) -> None:
        if backend.stores_details:
            pytest.skip(f"{type(backend).__name__} stores the whole state")
        _require_writable(backend)
        await backend.set_value(False)
        with pytest.raises(UnsupportedStateError):
            await backend.set_state(MaintenanceState(on=True, scopes=(_SCOPE,)))
        assert await backend.get_value() is False, "a refused state must write nothing"

    async def test_a_driver_storing_on_and_off_drops_who_and_when(
        self, backend: BaseStateBackend
    ) -> None:
        if backend.stores_details:
            pytest.skip(f"{type(backend).__name__} stores the whole state")
        _require_writable(backend)
        await backend.set_state(MaintenanceState(on=True).stamped(by="ops"))
        assert await backend.get_value() is True

    # lifecycle -------------------------------------------------------------------------

    async def test_start_and_aclose_are_idempotent(self, backend: BaseStateBackend) -> None:
        await backend.start()
        await backend.start()
        assert await backend.get_value() is False
        if not backend.read_only:
            await backend.set_value(True)
            assert await backend.get_value() is True
        await backend.aclose()
        await backend.aclose()

    async def test_aclose_without_start_is_harmless(self, backend: BaseStateBackend) -> None:
        await backend.aclose()

    # URLs ------------------------------------------------------------------------------

    async def test_from_url_builds_this_driver_over_the_same_store(
        self, backend: BaseStateBackend, backend_url: str | None
    ) -> None:
        driver = type(backend)
        url = _require(backend_url, "backend_url", "from_url()")
        assert driver.supports_url(), f"{driver.__name__} has a URL but does not override from_url"
        built = driver.from_url(url)
        try:
            assert type(built) is driver
            if not backend.read_only:
                await backend.set_value(True)
            assert await built.get_value() is await backend.get_value()
        finally:
            await built.aclose()

    async def test_url_reaches_this_driver_through_the_registry(
        self, backend: BaseStateBackend, backend_url: str | None
    ) -> None:
        url = _require(backend_url, "backend_url", "URLs")
        scheme = urlsplit(url).scheme
        try:
            package_state.registry.get(scheme)
        except BackendNotFoundError:
            pytest.skip(f"no installed driver handles {scheme}:// URLs; install the distribution")
        built = build_backend(package_state.registry, url)
        try:
            assert isinstance(built, type(backend)), f"{url} builds a {type(built).__name__}"
        finally:
            await built.aclose()

    # changes ---------------------------------------------------------------------------

    async def test_changes_yields_a_change_made_through_the_store(
        self, backend: BaseStateBackend, second_backend: BaseStateBackend | None
    ) -> None:
        if not backend.supports_changes:
            pytest.skip(f"{type(backend).__name__} does not publish changes")
        _require_writable(backend)
        writer = second_backend or backend
        changes = backend.changes()
        try:
            with anyio.fail_after(self.change_timeout):
                # The subscription goes live at some point after the first read: write until
                # it shows, then demand that the next change shows too.
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(_keep_writing, writer, True)
                    await _next_change_to(changes, True)
                    tasks.cancel_scope.cancel()
                await writer.set_value(False)
                await _next_change_to(changes, False)
        except TimeoutError:
            pytest.fail(f"changes() did not yield a change within {self.change_timeout}s")
        finally:
            await _close(changes)

    # the rest --------------------------------------------------------------------------

    async def test_describe_is_a_non_empty_string(self, backend: BaseStateBackend) -> None:
        text = backend.describe()
        assert isinstance(text, str) and text.strip(), f"describe() returned {text!r}"

    async def test_failed_write_raises_backend_unavailable(
        self, failing_backend: BaseStateBackend | None
    ) -> None:
        failing = _require(failing_backend, "failing_backend", "how write failures surface")
        with pytest.raises(BackendUnavailableError):
            await failing.set_value(True)


_DAY = timedelta(days=1)


#: A scope for the tests that need one.
_SCOPE = MaintenanceScope("conformance", paths=("/billing/*",), message="Billing is down")


async def _round_trip(backend: BaseStateBackend, state: MaintenanceState) -> None:
    await backend.set_state(state)
    read = await backend.get_state()
    assert read == state, f"get_state() gave {read!r} after set_state({state!r})"
    cached = backend.cached_state()
    assert cached is None or cached == state, (
        f"cached_state() gave {cached!r} after set_state({state!r})"
    )


def _check_cached_state(backend: BaseStateBackend) -> None:
    state = backend.cached_state()
    assert state is None or isinstance(state, MaintenanceState), (
        f"cached_state() returned {state!r}"
    )


def _require_details(backend: BaseStateBackend) -> None:
    if not backend.stores_details:
        pytest.skip(f"{type(backend).__name__} stores only on and off")
    _require_writable(backend)


def _require_writable(backend: BaseStateBackend) -> None:
    if backend.read_only:
        pytest.skip(f"{type(backend).__name__} is read-only")


def _require(fixture: _T | None, name: str, checked: str) -> _T:
    if fixture is None:
        pytest.skip(f"override the {name} fixture to check {checked}")
    return fixture


async def _keep_writing(writer: BaseStateBackend, value: bool) -> None:
    """Write ``value``, and toggle it now and then, until cancelled."""
    while True:
        await writer.set_value(value)
        await anyio.sleep(_RESUBSCRIBE_AFTER)
        await writer.set_value(not value)


async def _next_change_to(changes: AsyncIterator[bool], value: bool) -> None:
    async for seen in changes:
        if seen is value:
            return
    pytest.fail("changes() ended while the backend was open")


async def _close(changes: AsyncIterator[bool]) -> None:
    aclose = getattr(changes, "aclose", None)
    if aclose is not None:
        await aclose()
