"""A scope switched from the command line reaches three uvicorn processes on one Redis about
as fast as the global switch does: pushed, not polled. Each switch is timed from the moment
the command stamps the state it writes to the first 503 each process answers."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest

from .conftest import Fleet, MakeFleet, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.redis]

ROUNDS = 10
#: Seconds every process may take to serve a switch; generous, so only a switch that is
#: polled for, or lost, fails it. The measured figures are printed.
BOUND = 2.0

SWITCHES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "scope": (("on", "--scope", "probe", "--path", "/*"), ("off", "--scope", "probe")),
    # --by makes the store keep the time of the write, which the timing starts from.
    "global": (("on", "--by", "propagation-test"), ("off",)),
}


@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_a_switch_from_the_command_line_reaches_every_process_within_the_bound(
    switch: str,
    make_fleet: MakeFleet,
    redis_backend_url: str,
    record_property: Callable[[str, object], None],
) -> None:
    fleet = make_fleet(redis_backend_url)
    servers = [fleet.launch("unnamed") for _ in range(3)]
    wait_for(servers, [200, 200, 200])
    on, off = SWITCHES[switch]

    delays: list[float] = []
    for _ in range(ROUNDS):
        delays += _one_switch(fleet, on, off)
        assert max(delays) < BOUND, f"a process took longer than {BOUND}s: {sorted(delays)}"

    median, p99 = statistics.median(delays), _percentile(delays, 0.99)
    record_property(f"{switch}_propagation_ms", {"p50": median * 1e3, "p99": p99 * 1e3})
    print(f"\n{switch} switch to 3 processes: p50 {median * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms")


def _one_switch(fleet: Fleet, on: tuple[str, ...], off: tuple[str, ...]) -> list[float]:
    """Switch on while every process is watched, then off again: the seconds each process
    took to answer 503 after the write."""
    urls = [server.url + "/" for server in fleet.running]
    with ThreadPoolExecutor(len(urls)) as pool:
        firsts = [pool.submit(_first_503, url, time.time() + BOUND + 5) for url in urls]
        written = json.loads(fleet.cli(*on, "--json").stdout)
        stamp = written["scopes"][0]["updated_at"] if "--scope" in on else written["updated_at"]
        at = datetime.fromisoformat(stamp).timestamp()
        delays = [first.result() - at for first in firsts]
    fleet.cli(*off)
    wait_for(fleet.running, [200] * len(urls))
    return delays


def _first_503(url: str, give_up: float) -> float:
    """When (POSIX time) ``url`` first answered 503; ``inf`` if not before ``give_up``."""
    with httpx.Client(timeout=2) as client:
        while time.time() < give_up:
            if client.get(url).status_code == 503:
                return time.time()
            time.sleep(0.001)
    return float("inf")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]
