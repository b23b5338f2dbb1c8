"""Per-request cost measured by calling the ASGI app directly: no network, no client.

Each request is ``await app(scope, receive, send)`` with a prebuilt scope, a ``receive``
that hands over an empty body and a ``send`` that drops every message. Variants are
sampled in turn, round after round, so a change in machine speed touches all of them.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Scope

from fastapi_maintenance import hookimpl
from fastapi_maintenance.backends import register_plugin

from ._apps import BYPASS_TOKEN, ITEM_PATH, TARGET_PATH, build_app, build_minimal_app
from ._console import progress
from ._scopes import scoped_state
from ._stores import Store
from ._variants import Variant

#: Requests between two turns of the event loop, so its housekeeping (cancelled timers,
#: background tasks of a driver) runs as it would in a server.
_YIELD_EVERY = 256
#: A sample whose wall time exceeds its CPU time by more than this factor lost the CPU to
#: another process for a while; it is taken again, at most ``_ATTEMPTS`` times in all.
_DESCHEDULED = 1.02
_ATTEMPTS = 4
_PROBE_REQUESTS = 50
_LIFESPAN_TIMEOUT = 30.0
_MIN_REQUESTS = 20
_REQUEST: Message = {"type": "http.request", "body": b"", "more_body": False}


async def _receive() -> Message:
    return _REQUEST


async def _drop(message: Message) -> None:
    return None


def _scope(path: str) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"application/json"),
            (b"user-agent", b"fastapi-maintenance-bench"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


class _Lifespan:
    """Drives the ASGI lifespan protocol, as a server does on start and stop."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Future[None] | None = None

    async def _exchange(self, message: str) -> None:
        await self._to_app.put({"type": f"lifespan.{message}"})
        # Bounded: an app that crashed would never answer.
        answer = await asyncio.wait_for(self._from_app.get(), _LIFESPAN_TIMEOUT)
        if answer["type"] != f"lifespan.{message}.complete":
            raise RuntimeError(f"lifespan {message} failed: {answer}")

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = asyncio.ensure_future(self._app(scope, self._to_app.get, self._from_app.put))
        await self._exchange("startup")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            await self._exchange("shutdown")
            await self._task


@dataclass
class _Subject:
    """One variant, set up and started, with its measured samples in ns per request."""

    variant: Variant
    app: ASGIApp
    lifespan: _Lifespan
    store: Store | None
    requests: int = 0
    samples: list[float] = field(default_factory=list)
    #: Samples thrown away because another process had the CPU for part of them.
    retakes: int = 0
    _next_item: int = 0

    def batch(self, count: int) -> list[Scope]:
        """Fresh scopes for ``count`` requests: the same path, paths never used before, or
        the next ones of ``variant.paths`` distinct paths taken in turn."""
        prefix = ITEM_PATH.split("{")[0]
        if self.variant.fresh_paths:
            start, self._next_item = self._next_item, self._next_item + count
            return [_scope(f"{prefix}{number}") for number in range(start, start + count)]
        if self.variant.paths:
            start, cycle = self._next_item, self.variant.paths
            self._next_item = (start + count) % cycle
            return [_scope(f"{prefix}{(start + n) % cycle}") for n in range(count)]
        template = _scope(TARGET_PATH)
        if self.variant.bypass_token:
            # The bypass replaces the scope's header list, never changes it: sharing is safe.
            template["headers"] = [*template["headers"], (b"x-maintenance-bypass", BYPASS_TOKEN)]
        return [dict(template) for _ in range(count)]

    async def check(self) -> None:
        """One request answered as this variant must answer, before anything is timed."""
        sent: list[Message] = []

        async def keep(message: Message) -> None:
            sent.append(message)

        await self.app(self.batch(1)[0], _receive, keep)
        status = sent[0].get("status") if sent else None
        if status != self.variant.expected_status:
            raise RuntimeError(
                f"{self.variant.label}: expected {self.variant.expected_status}, got {status}"
            )

    async def time(self, count: int, clock: str = "cpu") -> float:
        """Mean ns per request over ``count`` requests, by the thread's CPU time or wall time.

        CPU time does not count the moments another process ran in our place, which on a
        shared machine is most of the noise. Wall time counts them, so a wall-time sample
        that lost the CPU for a while is taken again, and the least disturbed one is kept.
        """
        if clock == "cpu":
            return (await self._run(count))[1] / count
        best = (0, 0)
        for attempt in range(_ATTEMPTS):
            wall, cpu = await self._run(count)
            if attempt == 0 or wall * best[1] < best[0] * cpu:
                best = (wall, cpu)
            if wall <= cpu * _DESCHEDULED:
                break
            self.retakes += 1
        return best[0] / count

    async def _run(self, count: int) -> tuple[int, int]:
        """Wall and CPU ns for ``count`` requests, with the garbage collector paused."""
        scopes = self.batch(count)
        app, receive, send = self.app, _receive, _drop
        gc.collect()
        gc.disable()
        try:
            cpu_start = time.thread_time_ns()
            start = time.perf_counter_ns()
            for first in range(0, count, _YIELD_EVERY):
                for scope in scopes[first : first + _YIELD_EVERY]:
                    await app(scope, receive, send)
                await asyncio.sleep(0)
            wall = time.perf_counter_ns() - start
            cpu = time.thread_time_ns() - cpu_start
        finally:
            gc.enable()
        return wall, cpu


class _BlockedCounter:
    """A metrics plugin: counts the requests the middleware blocked."""

    def __init__(self) -> None:
        self.blocked = 0

    @hookimpl
    def maintenance_request_blocked(self) -> None:
        self.blocked += 1


def _subject(variant: Variant) -> _Subject:
    """The variant's app and store, not started yet."""
    if variant.blocked_hook:
        register_plugin(_BlockedCounter(), name="bench-blocked-counter")
    store = variant.store() if variant.store is not None else None
    spec = store.spec() if store is not None else None
    app: ASGIApp
    if variant.minimal:
        app = build_minimal_app(spec, reference=variant.reference, bypass=variant.bypass)
    else:
        app = build_app(
            variant.routes,
            spec,
            forced_route=variant.forced_route,
            pinned_off=variant.pinned_off,
            reference=variant.reference,
            bypass=variant.bypass,
        )
    return _Subject(variant, app, _Lifespan(app), store)


async def _start(subject: _Subject) -> None:
    variant = subject.variant
    if subject.store is not None and (variant.scopes or variant.scope_on):
        await subject.store.put(scoped_state(variant.scopes, variant.scope_on))
    elif subject.store is not None:
        await subject.store.switch(variant.on)
    # Startup builds the middleware stack and starts the driver, as a server would.
    await subject.lifespan.start()
    await subject.check()
    # Distinct paths taken in turn: every one of them is seen once before anything is timed,
    # so that what is measured is the steady state, with every cache as full as it gets.
    for scope in subject.batch(subject.variant.paths):
        await subject.app(scope, _receive, _drop)


async def _close(subject: _Subject) -> None:
    try:
        await subject.lifespan.stop()
    finally:
        if subject.store is not None:
            subject.store.close()


@dataclass(frozen=True)
class InProcessResult:
    variants: list[Variant]
    #: ns per request, one per round, in round order.
    samples: dict[str, list[float]]
    #: Requests per sample, as calibrated in each process that measured the variant.
    requests: dict[str, list[int]]
    retakes: dict[str, int]


async def _measure(
    variants: list[Variant],
    repeats: int,
    sample_ns: float,
    fixed_requests: int | None,
    label: str,
    clock: str,
) -> InProcessResult:
    subjects: list[_Subject] = []
    try:
        for variant in variants:
            subjects.append(_subject(variant))
            await _start(subjects[-1])
        # Apps and drivers live through the whole run: keep them out of every collection.
        gc.freeze()
        for subject in subjects:
            probe = await subject.time(_PROBE_REQUESTS, clock)
            subject.requests = fixed_requests or max(_MIN_REQUESTS, round(sample_ns / probe))
            await subject.time(subject.requests, clock)  # warm-up, not kept
            subject.retakes = 0
        for round_number in range(repeats):
            progress(f"{label}: round {round_number + 1}/{repeats}")
            shift = round_number % len(subjects)
            for subject in subjects[shift:] + subjects[:shift]:
                subject.samples.append(await subject.time(subject.requests, clock))
    finally:
        gc.unfreeze()
        for subject in subjects:
            await _close(subject)
    return InProcessResult(
        variants,
        {s.variant.key: s.samples for s in subjects},
        {s.variant.key: [s.requests] for s in subjects},
        {s.variant.key: s.retakes for s in subjects},
    )


def measure_in_process(
    variants: list[Variant],
    repeats: int,
    sample_ms: float,
    fixed_requests: int | None = None,
    label: str = "in-process",
    clock: str = "cpu",
) -> InProcessResult:
    """Sample every variant ``repeats`` times in rotating order, each sample ~``sample_ms`` long
    by ``clock`` (``"cpu"``: the thread's CPU time; ``"wall"``)."""
    result = asyncio.run(_measure(variants, repeats, sample_ms * 1e6, fixed_requests, label, clock))
    progress("")
    return result
