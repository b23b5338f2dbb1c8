"""Redis propagation: how long one switch takes to reach every process following it.

Run ``python -m tests.bench.propagation``. Subscriber processes each start the Redis driver
and report the moment they see each change; a writer flips the state and times, for every
flip, the delay from just before ``set_value`` to the last subscriber seeing it. Every
process reads ``CLOCK_MONOTONIC`` (``time.monotonic_ns`` on Linux), one clock for the whole
machine, so moments taken in different processes compare directly. Nothing here asserts a
timing: the target is printed with PASS or MISS, and the samples go to a JSON file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import platform
import queue
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from fastapi_maintenance.remote import HINT_INTERVAL
from fastapi_maintenance_redis import RedisBackend

from ..redis_settings import KEY_PREFIX, redis_url

#: p99 of write → seen by every subscriber, in milliseconds.
TARGET_P99_MS = 100.0
DEFAULT_OUTPUT = Path(tempfile.gettempdir()) / "fastapi-maintenance-propagation.json"
#: Seconds a subscriber process may take to start and subscribe.
READY_TIMEOUT = 30.0

Report = tuple[str, int, bool, int]  # ("ready" | "seen", subscriber, value, monotonic ns)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.propagation",
        description="Time a maintenance switch from one writer to every subscriber process.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--redis-url",
        default=redis_url(),
        help="Redis server to use ($REDIS_URL if set)",
    )
    parser.add_argument("--subscribers", type=int, default=4, help="subscriber processes")
    parser.add_argument("--flips", type=int, default=200, help="state changes to time")
    parser.add_argument(
        "--pause",
        type=float,
        default=2 * HINT_INTERVAL,
        help="seconds between a flip seen by all and the next (default: twice the hint "
        "interval, so each flip is a change after a quiet spell; closer ones are coalesced)",
    )
    parser.add_argument(
        "--flip-timeout", type=float, default=2.0, help="seconds to wait for one flip to be seen"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=60.0, help="stop flipping after this long"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.flips < 1:
        parser.error("--subscribers and --flips must be at least 1")
    return args


# subscriber processes ----------------------------------------------------------------------


def _subscriber(index: int, url: str, key: str, reports: Any, stop: Event) -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_follow(index, url, key, reports, stop))


async def _follow(index: int, url: str, key: str, reports: Any, stop: Event) -> None:
    """Report each change this process sees, with the moment it saw it, until ``stop``."""
    backend = RedisBackend(url, key=key)
    changes = backend.changes()
    first = asyncio.ensure_future(anext(changes))  # subscribes before reporting ready
    await backend.start()
    reports.put(("ready", index, backend.cached_value(), time.monotonic_ns()))

    async def close_on_stop() -> None:
        await asyncio.to_thread(stop.wait)
        await backend.aclose()

    closer = asyncio.ensure_future(close_on_stop())
    try:
        value = await first
        while True:
            reports.put(("seen", index, value, time.monotonic_ns()))
            value = await anext(changes)
    except StopAsyncIteration:
        pass
    finally:
        await changes.aclose()
        await closer


# the writer --------------------------------------------------------------------------------


@dataclass
class Timings:
    latencies_ns: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    seconds: float = 0.0


async def _flip(args: argparse.Namespace, key: str, reports: Any) -> Timings:
    """Flip the state ``args.flips`` times, each time waiting until every subscriber saw it."""
    writer = RedisBackend(args.redis_url, key=key)
    await writer.start()
    timings = Timings()
    began = time.monotonic()
    value = writer.cached_value()
    try:
        for flip in range(args.flips):
            if time.monotonic() - began > args.max_seconds:
                break
            value = not value
            written = time.monotonic_ns()
            await writer.set_value(value)
            seen = await _seen_by_all(args, reports, value)
            if len(seen) < args.subscribers:
                timings.missed.append(flip)
            else:
                timings.latencies_ns.append(max(seen.values()) - written)
            await asyncio.sleep(args.pause)
    finally:
        timings.seconds = time.monotonic() - began
        await writer.aclose()
    return timings


async def _seen_by_all(args: argparse.Namespace, reports: Any, value: bool) -> dict[int, int]:
    """When each subscriber reported ``value``; fewer entries if some did not in time."""
    seen: dict[int, int] = {}
    deadline = time.monotonic() + args.flip_timeout
    while len(seen) < args.subscribers and (left := deadline - time.monotonic()) > 0:
        try:
            kind, index, reported, at = await asyncio.to_thread(reports.get, True, left)
        except queue.Empty:
            break
        if kind == "seen" and reported is value:
            seen.setdefault(index, at)
    return seen


# running and reporting ---------------------------------------------------------------------


def _wait_ready(reports: Any, count: int) -> None:
    ready: set[int] = set()
    deadline = time.monotonic() + READY_TIMEOUT
    while len(ready) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError(f"only {len(ready)} of {count} subscribers started")
        kind, index, _, _ = reports.get(True, left)
        if kind == "ready":
            ready.add(index)


def _delete_keys(url: str, key: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.delete(key, f"{key}:version")
    finally:
        client.close()


def _summary(args: argparse.Namespace, timings: Timings) -> dict[str, Any]:
    latencies = sorted(ns / 1e6 for ns in timings.latencies_ns)
    result: dict[str, Any] = {
        "subscribers": args.subscribers,
        "flips_requested": args.flips,
        "flips_measured": len(latencies),
        "flips_missed": len(timings.missed),
        "seconds": round(timings.seconds, 2),
        "target_p99_ms": TARGET_P99_MS,
        "clock": "CLOCK_MONOTONIC" if sys.platform.startswith("linux") else "time.monotonic_ns",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "redis_url": RedisBackend(args.redis_url).describe().split(" key=")[0],
    }
    if latencies:
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        result |= {
            "p50_ms": round(statistics.median(latencies), 3),
            "p99_ms": round(cuts[98], 3),
            "max_ms": round(latencies[-1], 3),
            "mean_ms": round(statistics.fmean(latencies), 3),
            "verdict": "PASS" if cuts[98] < TARGET_P99_MS and not timings.missed else "MISS",
            "latencies_ms": [round(x, 3) for x in latencies],
        }
    else:
        result["verdict"] = "MISS"
    return result


def _print(result: dict[str, Any]) -> None:
    print(
        f"  write -> seen by all {result['subscribers']} subscribers, "
        f"{result['flips_measured']} flips ({result['flips_missed']} missed) "
        f"in {result['seconds']} s"
    )
    if "p50_ms" in result:
        print(
            f"  p50 {result['p50_ms']:.2f} ms   p99 {result['p99_ms']:.2f} ms   "
            f"max {result['max_ms']:.2f} ms"
        )
        ratio = result["p99_ms"] / result["target_p99_ms"]
        print(
            f"  target p99 < {result['target_p99_ms']:.0f} ms: {result['verdict']} "
            f"(p99 is {ratio:.3f} of the target)"
        )
    else:
        print(f"  no flip was seen by every subscriber: {result['verdict']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print its summary, write it as JSON, and return it."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING)
    key = f"{KEY_PREFIX}bench:propagation:{uuid.uuid4().hex}"
    context = multiprocessing.get_context("spawn")
    reports = context.Queue()
    stop = context.Event()
    processes = [
        context.Process(
            target=_subscriber, args=(i, args.redis_url, key, reports, stop), daemon=True
        )
        for i in range(args.subscribers)
    ]
    try:
        for process in processes:
            process.start()
        _wait_ready(reports, args.subscribers)
        timings = asyncio.run(_flip(args, key, reports))
    finally:
        stop.set()
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        reports.close()
        reports.join_thread()
        _delete_keys(args.redis_url, key)
    result = _summary(args, timings)
    _print(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  samples written to {args.output}")
    return result


if __name__ == "__main__":
    main()
