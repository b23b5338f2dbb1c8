"""``fastapi_maintenance.remote``: the tools of drivers that follow a server."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import BackendConfigError, MaintenanceState
from fastapi_maintenance.remote import (
    FIRST_DELAY,
    HINT_INTERVAL,
    Backoff,
    HintedReads,
    StateCache,
    bounded,
    option_flag,
    option_text,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the followers these tools serve run under asyncio only


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# the state cache ------------------------------------------------------------------------


@pytest.mark.parametrize("assume", [False, True])
def test_the_state_is_known_after_a_first_read_equal_to_the_assumed_one(assume: bool) -> None:
    cache = StateCache(assume)
    assert cache.known is False
    cache.offer_read(MaintenanceState(on=assume), 1, cache.mark())
    assert cache.known is True
    assert cache.serving() == MaintenanceState(on=assume)


# reconnection delays --------------------------------------------------------------------


@pytest.mark.parametrize("cap", [0.05, 1.0, 30.0])
def test_reconnection_delays_double_from_the_first_and_never_exceed_the_cap(cap: float) -> None:
    backoff = Backoff(cap)
    delays = [backoff.next_delay() for _ in range(100)]
    assert FIRST_DELAY / 2 <= delays[0] <= FIRST_DELAY
    assert all(delay <= cap for delay in delays)
    assert all(delay >= cap / 2 for delay in delays[-10:])


def test_a_reset_starts_the_delays_again_from_the_first() -> None:
    backoff = Backoff(30.0)
    for _ in range(20):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= FIRST_DELAY


# bounded --------------------------------------------------------------------------------


class SlowCleanUp:
    """Work that takes a while to clean up once cancelled."""

    def __init__(self) -> None:
        self.cleaned = False

    async def run(self) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)
            self.cleaned = True
            raise


async def test_a_time_limit_waits_for_the_cancelled_work_to_clean_up_before_raising() -> None:
    work = SlowCleanUp()
    with pytest.raises(asyncio.TimeoutError):
        await bounded(work.run(), 0.01)
    assert work.cleaned is True


async def test_a_cancelled_caller_waits_for_the_work_to_clean_up_before_stopping() -> None:
    work = SlowCleanUp()
    caller = asyncio.ensure_future(bounded(work.run(), 60))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert work.cleaned is True


async def test_the_result_comes_back_within_the_limit() -> None:
    async def answer() -> int:
        return 42

    assert await bounded(answer(), 1) == 42


# reads caused by hints ------------------------------------------------------------------


def test_the_first_hint_after_a_quiet_period_is_read_at_once() -> None:
    clock = Clock()
    hints = HintedReads(clock=clock)
    assert hints.take() is False
    hints.hint()
    assert hints.take() is True
    clock.now += HINT_INTERVAL
    hints.hint()
    assert hints.take() is True


def test_hints_within_the_interval_collapse_into_one_read_when_it_is_over() -> None:
    clock = Clock()
    hints = HintedReads(clock=clock)
    hints.hint()
    assert hints.take() is True
    for _ in range(50):
        clock.now += HINT_INTERVAL / 100
        hints.hint()
        assert hints.take() is False
    assert hints.wait(60) == pytest.approx(HINT_INTERVAL / 2)
    clock.now += HINT_INTERVAL / 2
    assert hints.take() is True
    assert hints.take() is False


def test_without_a_pending_hint_the_follower_waits_as_long_as_it_likes() -> None:
    hints = HintedReads(clock=Clock())
    assert hints.wait(30) == 30
    hints.hint()
    assert hints.wait(30) == 30  # due at once: no read was made yet, take() says so


def test_another_read_covers_the_hints_that_came_before_it() -> None:
    clock = Clock()
    hints = HintedReads(clock=clock)
    hints.hint()
    hints.take()
    hints.hint()
    hints.covered()
    clock.now += HINT_INTERVAL
    assert hints.take() is False


def _follow(hint_times: list[float], interval: float) -> list[float]:
    """The reads a follower makes, awaiting each, when hints arrive at ``hint_times``."""
    clock = Clock()
    clock.now = 0.0
    hints = HintedReads(interval, clock=clock)
    waiting, reads = sorted(hint_times), []
    while True:
        wait = hints.wait(waiting[0] - clock.now if waiting else math.inf)
        if wait == math.inf:
            return reads
        clock.now += wait
        while waiting and waiting[0] <= clock.now:
            waiting.pop(0)
            hints.hint()
        if hints.take():
            reads.append(clock.now)


@given(
    st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=200),
    st.sampled_from([0.05, HINT_INTERVAL, 0.5]),
)
def test_any_hints_cost_one_read_per_interval_at_most_and_the_last_is_always_read(
    hint_times: list[float], interval: float
) -> None:
    reads = _follow(hint_times, interval)
    gaps = [later - earlier for earlier, later in itertools.pairwise(reads)]
    assert all(gap >= interval - 1e-9 for gap in gaps)
    assert len(reads) <= (max(hint_times) - min(hint_times)) / interval + 2
    assert reads[-1] >= max(hint_times)
    assert reads[0] == min(hint_times)


@pytest.mark.parametrize(("given", "expected"), [(True, True), ("on", True), ("0", False)])
def test_a_flag_option_takes_a_bool_or_its_text(given: object, expected: bool) -> None:
    assert option_flag("listen", given) is expected


@pytest.mark.parametrize("given", ["maybe", 1, None])
def test_a_flag_option_refuses_anything_else_naming_the_option(given: object) -> None:
    with pytest.raises(BackendConfigError, match=r"^listen"):
        option_flag("listen", given)


@pytest.mark.parametrize("given", ["", "   ", None, 7])
def test_a_text_option_must_be_a_non_empty_string(given: object) -> None:
    with pytest.raises(BackendConfigError, match="key must be a non-empty string"):
        option_text("key", given)
