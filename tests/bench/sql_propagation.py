"""The SQL driver: per-request cost with maintenance off, and how long a switch takes to
reach every process following it, on PostgreSQL, MariaDB and SQLite.

Run ``python -m tests.bench.sql_propagation``. The cost is timed in-process, calling the
ASGI app directly, the env driver's app and each SQL database's app in turn, round after
round, so a change of machine speed touches them all; the ratio to the env driver is
printed. Propagation: subscriber processes each start the driver and report the moment
they see each change; a writer flips the state and times, per flip, the delay from just
before ``set_value`` to the last subscriber seeing it (``CLOCK_MONOTONIC``, one clock for
the machine). Targets: PostgreSQL (pushed) p99 under 100 ms; MariaDB and SQLite (polled)
p99 under the poll interval plus 100 ms; no flip missed. Nothing asserts: targets are
printed with PASS or MISS, results go to a JSON file. Tables are dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import multiprocessing
import os
import platform
import queue
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Message, Scope

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance.remote import HINT_INTERVAL
from fastapi_maintenance_sql import DEFAULT_POLL_INTERVAL, SqlBackend

#: Pushed changes: p99 of write → seen by every subscriber, in milliseconds.
TARGET_PUSHED_P99_MS = 100.0
#: Polled changes may take up to one poll interval more.
POLL_SLACK_MS = 100.0
DEFAULT_OUTPUT = Path(tempfile.gettempdir()) / "fastapi-maintenance-sql-bench.json"
#: Seconds a subscriber process may take to start and read the state.
READY_TIMEOUT = 30.0
_SYNC = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "sqlite": "sqlite"}

Report = tuple[str, int, bool, int]  # ("ready" | "seen", subscriber, value, monotonic ns)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.sql_propagation",
        description="Per-request cost and propagation of the SQL driver on each database.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("SQL_TEST_POSTGRESQL")
        or "postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument(
        "--mariadb",
        default=os.environ.get("SQL_TEST_MARIADB") or "mysql+aiomysql://root@127.0.0.1:3306/test",
    )
    parser.add_argument("--subscribers", type=int, default=4, help="subscriber processes")
    parser.add_argument("--pushed-flips", type=int, default=200, help="flips on PostgreSQL")
    parser.add_argument("--polled-flips", type=int, default=30, help="flips on MariaDB, SQLite")
    parser.add_argument(
        "--poll-interval", type=float, default=DEFAULT_POLL_INTERVAL, help="seconds"
    )
    parser.add_argument("--requests", type=int, default=20000, help="requests per cost sample")
    parser.add_argument("--rounds", type=int, default=7, help="cost samples per app")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    return parser.parse_args(argv)


@dataclass
class Database:
    label: str
    url: str
    pushed: bool
    table: str = field(default_factory=lambda: f"fm_bench_{uuid.uuid4().hex[:12]}")

    def drop(self) -> None:
        parsed = make_url(self.url)
        engine = create_engine(parsed.set(drivername=_SYNC[parsed.get_backend_name()]))
        try:
            with engine.begin() as conn:
                conn.execute(text(f"DROP TABLE IF EXISTS {self.table}"))
        finally:
            engine.dispose()


# per-request cost --------------------------------------------------------------------------


def _app(backend: SqlBackend | str) -> ASGIApp:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"served": True}

    return app


_SCOPE: Scope = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/",
    "raw_path": b"/",
    "root_path": "",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1:8000"), (b"accept", b"application/json")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _drop(message: Message) -> None:
    return None


class _Lifespan:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()
        self.task: asyncio.Future[None] | None = None

    async def send(self, message: str) -> None:
        if self.task is None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
            self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": f"lifespan.{message}"})
        answer = await asyncio.wait_for(self.outbox.get(), 30)
        if answer["type"] != f"lifespan.{message}.complete":
            raise RuntimeError(f"lifespan {message} failed: {answer}")


async def _time(app: ASGIApp, count: int) -> float:
    """Mean ns per request over ``count`` requests, the garbage collector paused."""
    scopes = [dict(_SCOPE, state={}) for _ in range(count)]
    gc.collect()
    gc.disable()
    try:
        began = time.perf_counter_ns()
        for number, scope in enumerate(scopes):
            await app(scope, _receive, _drop)
            if number % 256 == 255:
                await asyncio.sleep(0)
        return (time.perf_counter_ns() - began) / count
    finally:
        gc.enable()


async def _costs(args: argparse.Namespace, databases: list[Database]) -> dict[str, Any]:
    os.environ["FASTAPI_MAINTENANCE_MODE"] = "0"
    apps: dict[str, ASGIApp] = {"env": _app("env")}
    for db in databases:
        # No poll and no resync while timing: a request never queries, and this keeps the
        # follower's own work out of the samples for every database alike.
        apps[db.label] = _app(SqlBackend(db.url, table=db.table, poll_interval=600))
    lifespans = {label: _Lifespan(app) for label, app in apps.items()}
    for lifespan in lifespans.values():
        await lifespan.send("startup")
    samples: dict[str, list[float]] = {label: [] for label in apps}
    try:
        for app in apps.values():
            await _time(app, 1000)  # warm up
        for _ in range(args.rounds):
            for label, app in apps.items():
                samples[label].append(await _time(app, args.requests))
    finally:
        for lifespan in lifespans.values():
            await lifespan.send("shutdown")
    medians = {label: statistics.median(values) for label, values in samples.items()}
    return {
        label: {
            "ns_per_request": round(medians[label]),
            "ratio_to_env": round(medians[label] / medians["env"], 3),
        }
        for label in apps
    }


# propagation -------------------------------------------------------------------------------


def _subscriber(index: int, url: str, options: dict[str, Any], reports: Any, stop: Event) -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_follow(index, url, options, reports, stop))


async def _follow(index: int, url: str, options: dict[str, Any], reports: Any, stop: Event) -> None:
    """Report each change this process sees, with the moment it saw it, until ``stop``."""
    backend = SqlBackend(url, **options)
    changes = backend.changes()
    first = asyncio.ensure_future(anext(changes))
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


async def _flip(
    db: Database, options: dict[str, Any], flips: int, subscribers: int, bound: float, reports: Any
) -> tuple[list[int], int]:
    """Flip ``flips`` times, each time waiting until every subscriber saw it. Where changes
    are polled, the pause before each flip is drawn at random within a poll interval, so
    flips fall at every moment of the subscribers' polling cycles."""
    writer = SqlBackend(db.url, **options)
    latencies: list[int] = []
    missed = 0
    value = await writer.get_value()
    try:
        for _ in range(flips):
            value = not value
            written = time.monotonic_ns()
            await writer.set_value(value)
            seen = await _seen_by_all(reports, value, subscribers, bound)
            if len(seen) < subscribers:
                missed += 1
            else:
                latencies.append(max(seen.values()) - written)
            # Pushed: a change after a quiet spell (closer ones are coalesced by the hint
            # interval); polled: anywhere within a poll interval.
            pause = 2 * HINT_INTERVAL if db.pushed else random.uniform(0, options["poll_interval"])
            await asyncio.sleep(pause)
    finally:
        await writer.aclose()
    return latencies, missed


async def _seen_by_all(reports: Any, value: bool, count: int, bound: float) -> dict[int, int]:
    seen: dict[int, int] = {}
    deadline = time.monotonic() + bound
    while len(seen) < count and (left := deadline - time.monotonic()) > 0:
        try:
            kind, index, reported, at = await asyncio.to_thread(reports.get, True, left)
        except queue.Empty:
            break
        if kind == "seen" and reported is value:
            seen.setdefault(index, at)
    return seen


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


def _propagation(args: argparse.Namespace, db: Database) -> dict[str, Any]:
    options = {"table": db.table, "poll_interval": args.poll_interval}
    flips = args.pushed_flips if db.pushed else args.polled_flips
    target = TARGET_PUSHED_P99_MS
    if not db.pushed:
        target += args.poll_interval * 1000
    context = multiprocessing.get_context("spawn")
    reports = context.Queue()
    stop = context.Event()
    processes = [
        context.Process(target=_subscriber, args=(i, db.url, options, reports, stop), daemon=True)
        for i in range(args.subscribers)
    ]
    try:
        for process in processes:
            process.start()
        _wait_ready(reports, args.subscribers)
        bound = max(2.0, 3 * target / 1000)
        latencies_ns, missed = asyncio.run(
            _flip(db, options, flips, args.subscribers, bound, reports)
        )
    finally:
        stop.set()
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(5)
        reports.close()
        reports.join_thread()
    latencies = sorted(ns / 1e6 for ns in latencies_ns)
    result: dict[str, Any] = {
        "changes": "pushed" if db.pushed else f"polled every {args.poll_interval} s",
        "subscribers": args.subscribers,
        "flips_measured": len(latencies),
        "flips_missed": missed,
        "target_p99_ms": target,
    }
    if len(latencies) >= 2:
        p99 = statistics.quantiles(latencies, n=100, method="inclusive")[98]
        result |= {
            "p50_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(p99, 2),
            "max_ms": round(latencies[-1], 2),
            "verdict": "PASS" if p99 < target and not missed else "MISS",
        }
    else:
        result["verdict"] = "MISS"
    return result


# running and reporting ---------------------------------------------------------------------


def _databases(args: argparse.Namespace, folder: Path) -> list[Database]:
    found = []
    for label, url, pushed in (
        ("postgresql", args.postgresql, True),
        ("mariadb", args.mariadb, False),
        ("sqlite", f"sqlite+aiosqlite:///{folder / 'state.db'}", False),
    ):
        db = Database(label, url, pushed)
        try:
            db.drop()  # also tells whether the server answers
        except Exception as exc:
            print(f"  {label}: skipped ({type(exc).__name__}: {exc})")
            continue
        found.append(db)
    return found


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both benchmarks, print their summary, write it as JSON, and return it."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.WARNING)
    result: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "clock": "CLOCK_MONOTONIC" if sys.platform.startswith("linux") else "time.monotonic_ns",
    }
    with tempfile.TemporaryDirectory() as folder:
        databases = _databases(args, Path(folder))
        try:
            print("SQL driver, maintenance off, per request (in-process ASGI calls):")
            result["cost"] = asyncio.run(_costs(args, databases))
            for label, cost in result["cost"].items():
                print(f"  {label:<11} {cost['ns_per_request'] / 1000:7.1f} us   "
                      f"{cost['ratio_to_env']:.3f} x env")  # fmt: skip
            result["propagation"] = {}
            for db in databases:
                print(f"SQL propagation on {db.label}, write -> seen by all:", flush=True)
                summary = _propagation(args, db)
                result["propagation"][db.label] = summary
                print(
                    f"  {summary['changes']}: {summary['flips_measured']} flips "
                    f"({summary['flips_missed']} missed), p50 {summary.get('p50_ms')} ms, "
                    f"p99 {summary.get('p99_ms')} ms, max {summary.get('max_ms')} ms; "
                    f"target p99 < {summary['target_p99_ms']:.0f} ms: {summary['verdict']}"
                )
        finally:
            for db in databases:
                db.drop()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"  results written to {args.output}")
    return result


if __name__ == "__main__":
    main()
