"""What is measured: each variant of the app, what it is compared with, and the targets."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ._apps import FORCED_ITEM_PATH, FORCED_PATH
from ._stores import EnvStore, FullStateStore, MemoryStore, Store, TwoMethodStore

#: Route counts compared for growth of the middleware's cost.
FEW_ROUTES = 10
MANY_ROUTES = 1000
#: Distinct paths taken in turn, as many as the route-resolution cache holds.
DISTINCT_PATHS = 4096
#: Scopes in the stored state that select none of the requests.
IDLE_SCOPES = 50


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    #: ``None`` for the bare app, without the middleware.
    store: type[Store] | None = None
    on: bool = False
    routes: int = 1
    #: Every request asks for a path never asked before (a parametrised route).
    fresh_paths: bool = False
    #: Requests take ``/items/0`` ... ``/items/{paths - 1}`` in turn; 0 for ``/target`` only.
    paths: int = 0
    #: The path of a route forced into maintenance that the app also has, if any.
    forced_route: str | None = None
    #: The middleware runs with ``enable_maintenance=False``: its own cost, without a driver.
    pinned_off: bool = False
    #: A plugin implementing ``maintenance_request_blocked`` is registered in the process.
    blocked_hook: bool = False
    #: The app runs behind the hand-written reference middleware instead.
    reference: bool = False
    #: A one-response pure ASGI app instead of the FastAPI app: the wrapper's cost alone.
    minimal: bool = False
    #: The middleware's bypass options: none (``""``), every one (``"all"``) or every one with
    #: the target path exempt (``"target-exempt"``).
    bypass: str = ""
    #: Requests carry a valid bypass token in the bypass header.
    bypass_token: bool = False
    #: Scopes in the stored state selecting none of the requests (global maintenance off).
    scopes: int = 0
    #: The stored state has, after those, a scope selecting every request (a 503).
    scope_on: bool = False
    #: The variant this one's ratio is taken against, ``None`` for a baseline.
    baseline: str | None = "bare"
    #: Variants compared with each other share a group, and are measured in one process.
    group: str = "drivers"

    @property
    def expected_status(self) -> int:
        blocked = self.on or self.scope_on
        return 503 if blocked and not (self.bypass_token or self.bypass == "target-exempt") else 200


@dataclass(frozen=True)
class Check:
    """A target: the product of ``over`` divided by the product of ``under`` is at most ``limit``
    (``unit="µs"``: the sum of ``over`` less the sum of ``under``, in µs per request).

    Taken per round, from samples measured side by side, then the median over rounds.
    """

    label: str
    over: tuple[str, ...]
    under: tuple[str, ...]
    limit: float
    unit: str = "ratio"


BARE = Variant("bare", "bare app", baseline=None)
REFERENCE = Variant("reference", "reference middleware (module-level bool)", reference=True)
OVERHEAD_LIMIT = 1.03
#: What a custom driver, or a request among many distinct paths, may cost over the bare app.
CUSTOM_LIMIT = 1.05
#: What the default 503 may cost, against the bare app's normal request.
BLOCKED_LIMIT = 0.2
#: How far a built-in driver may be from the reference middleware, in µs per request.
REFERENCE_GAP_US = 1.0
#: What scopes that select nothing may cost over none, and a scope's 503 over the global
#: one, in µs per request.
SCOPE_GAP_US = 1.0
#: What checking a header token may cost, in µs: a request it lets through during maintenance
#: over one let through as an exempt path (both pay the route lookup maintenance needs).
BYPASSED_GAP_US = 5.0


def _driver_variants(store: type[Store]) -> list[Variant]:
    name = store.driver
    key = name.split()[0]
    return [
        Variant(f"{key}-off", f"{name}, maintenance off", store),
        Variant(f"{key}-on", f"{name}, maintenance on (503)", store, on=True),
    ]


def _scope_variants() -> list[Variant]:
    """The ``memory`` driver (it stores scopes) with maintenance off and scopes that select
    nothing; a scope that selects the request, alone and after those."""
    n = IDLE_SCOPES
    return [
        Variant(f"memory-off-s{n}", f"memory off, {n} scopes selecting nothing", MemoryStore,
                scopes=n),
        Variant("memory-on-scope", "memory, a scope selecting the request (503)", MemoryStore,
                scope_on=True),
        Variant(f"memory-on-scope-s{n}", f"memory, {n} idle scopes and one selecting (503)",
                MemoryStore, scopes=n, scope_on=True),
    ]  # fmt: skip


def _forced_variants() -> list[Variant]:
    return [
        Variant("bare-forced", "bare app with a forced route", forced_route=FORCED_PATH,
                baseline=None, group="forced"),
        Variant("env-off-forced", "env off, app with a forced route", EnvStore,
                forced_route=FORCED_PATH, baseline="bare-forced", group="forced"),
    ]  # fmt: skip


def _bypass_variants() -> list[Variant]:
    """Every bypass option configured: maintenance off (they must cost nothing), maintenance
    on with a request let through by a header token, and a blocked request that asked each
    rule in vain."""
    return [
        Variant("env-off-bypass", "env off, every bypass option configured", EnvStore,
                bypass="all"),
        Variant("env-on-exempt", "env on, let through as an exempt path (200)", EnvStore,
                on=True, bypass="target-exempt"),
        Variant("env-on-bypassed", "env on, let through by a header token (200)", EnvStore,
                on=True, bypass="all", bypass_token=True),
        Variant("env-on-bypass", "env on, every bypass option configured, none matches (503)",
                EnvStore, on=True, bypass="all"),
    ]  # fmt: skip


def _hook_variants() -> list[Variant]:
    """The 503 with a plugin implementing ``maintenance_request_blocked``, in a process of its
    own (a registered plugin is process-wide): the other rows run without one."""
    return [
        Variant("bare-hook", "bare app (hook process)", baseline=None, group="hooks"),
        Variant("env-on-hook", "env on (503), a maintenance_request_blocked plugin", EnvStore,
                on=True, blocked_hook=True, baseline="bare-hook", group="hooks"),
    ]  # fmt: skip


def _minimal_variants(stores: list[type[Store]]) -> list[Variant]:
    """The bare minimal app, behind the reference, and behind the middleware with each driver
    (maintenance off): differences of a fraction of a µs stand out of a ~1 µs request."""
    bare = "min-bare"
    variants = [
        Variant(bare, "minimal ASGI app", baseline=None),
        Variant("min-reference", "minimal app, reference middleware", reference=True,
                baseline=bare),
        *(Variant(f"min-{s.driver}-off", f"minimal app, {s.driver} off", s, baseline=bare)
          for s in stores),
        Variant("min-env-off-bypass", "minimal app, env off, every bypass option", EnvStore,
                baseline=bare, bypass="all"),
        Variant("min-env-on-exempt", "minimal app, env on, an exempt path", EnvStore,
                on=True, baseline=bare, bypass="target-exempt"),
        Variant("min-env-on-bypassed", "minimal app, env on, a header token", EnvStore,
                on=True, baseline=bare, bypass="all", bypass_token=True),
        Variant(f"min-memory-off-s{IDLE_SCOPES}",
                f"minimal app, memory off, {IDLE_SCOPES} scopes selecting nothing", MemoryStore,
                baseline=bare, scopes=IDLE_SCOPES),
        Variant("min-memory-on", "minimal app, memory on (503)", MemoryStore, on=True,
                baseline=bare),
        Variant("min-memory-on-scope", "minimal app, memory, a scope selecting (503)",
                MemoryStore, scope_on=True, baseline=bare),
    ]  # fmt: skip
    return [replace(v, group="minimal", minimal=True) for v in variants]


def _path_variants(paths: int) -> list[Variant]:
    """``/items/{id}``: one path repeated, ``paths`` distinct ones, the same with a route
    forced on beside it (so that every request is looked up), and both with idle scopes."""
    bare_one, bare_many, bare_forced = "bare-p1", f"bare-p{paths}", f"bare-p{paths}-forced"
    n = IDLE_SCOPES
    variants = [
        Variant(bare_one, "bare app, /items/0 repeated", routes=2, paths=1, baseline=None),
        Variant("env-off-p1", "env off, /items/0 repeated", EnvStore, routes=2, paths=1,
                baseline=bare_one),
        Variant(bare_many, f"bare app, {paths:,} distinct /items paths", routes=2, paths=paths,
                baseline=None),
        Variant(f"env-off-p{paths}", f"env off, {paths:,} distinct /items paths", EnvStore,
                routes=2, paths=paths, baseline=bare_many),
        Variant(bare_forced, f"bare app, {paths:,} paths, {FORCED_ITEM_PATH} forced on",
                routes=2, paths=paths, forced_route=FORCED_ITEM_PATH, baseline=None),
        Variant(f"env-off-p{paths}-forced", f"env off, {paths:,} paths, {FORCED_ITEM_PATH} "
                "forced on", EnvStore, routes=2, paths=paths, forced_route=FORCED_ITEM_PATH,
                baseline=bare_forced),
        Variant(f"memory-off-s{n}-p1", f"memory off, {n} scopes, /items/0 repeated",
                MemoryStore, routes=2, paths=1, scopes=n, baseline=bare_one),
        Variant(f"memory-off-s{n}-p{paths}", f"memory off, {n} scopes, {paths:,} distinct "
                "/items paths", MemoryStore, routes=2, paths=paths, scopes=n,
                baseline=bare_many),
    ]  # fmt: skip
    return [replace(v, group="paths") for v in variants]


def _route_variants(routes: int) -> list[Variant]:
    """The bare app and env off/on with ``routes`` routes; then the same with new paths;
    memory off with idle scopes, and a scope's 503."""
    bare, fresh = f"bare-r{routes}", f"bare-r{routes}-fresh"
    n = IDLE_SCOPES
    variants = [
        Variant(bare, f"bare app, {routes} routes", routes=routes, baseline=None),
        Variant(f"env-off-r{routes}", f"env off, {routes} routes", EnvStore, routes=routes,
                baseline=bare),
        Variant(f"env-on-r{routes}", f"env on (503), {routes} routes", EnvStore, on=True,
                routes=routes, baseline=bare),
        Variant(fresh, f"bare app, {routes} routes, new paths", routes=routes, fresh_paths=True,
                baseline=None),
        Variant(f"env-on-r{routes}-fresh", f"env on (503), {routes} routes, new paths", EnvStore,
                on=True, routes=routes, fresh_paths=True, baseline=fresh),
        Variant(f"memory-off-s{n}-r{routes}", f"memory off, {n} scopes, {routes} routes",
                MemoryStore, routes=routes, scopes=n, baseline=bare),
        Variant(f"memory-on-scope-r{routes}", f"memory, a scope's 503, {routes} routes",
                MemoryStore, routes=routes, scope_on=True, baseline=bare),
    ]  # fmt: skip
    return [replace(v, group="routes") for v in variants]


def inprocess_variants(stores: list[type[Store]]) -> list[Variant]:
    """Bare app, the reference middleware, the middleware alone, each driver off and on,
    scopes, a forced route, distinct paths, and route counts."""
    found = [
        BARE,
        REFERENCE,
        Variant("pinned-off", "enable_maintenance=False (no driver)", pinned_off=True),
    ]
    measured: list[type[Store]] = [*stores, TwoMethodStore, FullStateStore]
    for store in measured:
        found += _driver_variants(store)
    return [
        *found,
        *_scope_variants(),
        *_bypass_variants(),
        *_minimal_variants(measured),
        *_hook_variants(),
        *_forced_variants(),
        *_path_variants(DISTINCT_PATHS),
        *_route_variants(FEW_ROUTES),
        *_route_variants(MANY_ROUTES),
    ]


def _ratio(label: str, over: str, under: str, limit: float) -> Check:
    return Check(label, (over,), (under,), limit)


def _scope_checks() -> list[Check]:
    """Scopes that select nothing: at most 5% over the bare app and within 1 µs of no scopes,
    whatever the routes and paths; a scope's 503 within 1 µs of the global 503."""
    n, few, many, paths, gap = IDLE_SCOPES, FEW_ROUTES, MANY_ROUTES, DISTINCT_PATHS, SCOPE_GAP_US
    return [
        _ratio(f"memory off, {n} scopes: overhead <= 5%", f"memory-off-s{n}", "bare",
               CUSTOM_LIMIT),
        Check(f"memory off: {n} scopes within {gap:g} µs of none", (f"memory-off-s{n}",),
              ("memory-off",), gap, "µs"),
        Check(f"memory off, minimal app: {n} scopes within {gap:g} µs of none",
              (f"min-memory-off-s{n}",), ("min-memory-off",), gap, "µs"),
        _ratio(f"memory off, {n} scopes, {paths:,} distinct paths: overhead <= 5%",
               f"memory-off-s{n}-p{paths}", f"bare-p{paths}", CUSTOM_LIMIT),
        Check(f"memory off, {n} scopes: overhead at {paths:,} distinct paths / at one path",
              (f"memory-off-s{n}-p{paths}", "bare-p1"), (f"bare-p{paths}", f"memory-off-s{n}-p1"),
              OVERHEAD_LIMIT),
        Check(f"memory off, {n} scopes: overhead at {many} routes / at {few} routes",
              (f"memory-off-s{n}-r{many}", f"bare-r{few}"),
              (f"bare-r{many}", f"memory-off-s{n}-r{few}"), OVERHEAD_LIMIT),
        Check(f"a scope's 503 within {gap:g} µs of the global 503", ("memory-on-scope",),
              ("memory-on",), gap, "µs"),
        Check(f"minimal app: a scope's 503 within {gap:g} µs of the global 503",
              ("min-memory-on-scope",), ("min-memory-on",), gap, "µs"),
        _ratio(f"a scope's 503 at {many} routes / at {few} routes", f"memory-on-scope-r{many}",
               f"memory-on-scope-r{few}", OVERHEAD_LIMIT),
    ]  # fmt: skip


def inprocess_checks(stores: list[type[Store]]) -> list[Check]:
    """The targets: off costs at most 3% (a two-method driver, or many distinct paths, 5%)
    and within 1 µs of the reference middleware; the 503 costs at most a fifth of a normal
    request; route count and distinct paths do not matter; idle scopes cost at most 5% and
    1 µs, and a scope's 503 at most 1 µs over the global one."""
    few, many, paths = FEW_ROUTES, MANY_ROUTES, DISTINCT_PATHS
    drivers = [store.driver for store in stores]
    two = TwoMethodStore.driver
    full = FullStateStore.driver
    return [
        *_scope_checks(),
        *(_ratio(f"{d} off: overhead <= 3%", f"{d}-off", "bare", OVERHEAD_LIMIT) for d in drivers),
        _ratio(f"{two} off: overhead <= 5%", f"{two}-off", "bare", CUSTOM_LIMIT),
        *(Check(f"{d} off: within {REFERENCE_GAP_US:g} µs of the reference", (f"{d}-off",),
                ("reference",), REFERENCE_GAP_US, "µs") for d in drivers),
        *(Check(f"{d} off, minimal app: within {REFERENCE_GAP_US:g} µs of the reference",
                (f"min-{d}-off",), ("min-reference",), REFERENCE_GAP_US, "µs")
          for d in drivers),
        _ratio("env off, forced route: overhead <= 3%", "env-off-forced", "bare-forced",
               OVERHEAD_LIMIT),
        _ratio(f"env off, {paths:,} distinct paths: overhead <= 5%", f"env-off-p{paths}",
               f"bare-p{paths}", CUSTOM_LIMIT),
        Check(f"env off: overhead at {paths:,} distinct paths / at one path",
              (f"env-off-p{paths}", "bare-p1"), (f"bare-p{paths}", "env-off-p1"),
              OVERHEAD_LIMIT),
        _ratio("env off: every bypass option costs <= 3%", "env-off-bypass", "env-off",
               OVERHEAD_LIMIT),
        Check(f"env off, minimal app: bypass options within {REFERENCE_GAP_US:g} µs of none",
              ("min-env-off-bypass",), ("min-env-off",), REFERENCE_GAP_US, "µs"),
        Check(f"env on: a token within {BYPASSED_GAP_US:g} µs of an exempt path",
              ("env-on-bypassed",), ("env-on-exempt",), BYPASSED_GAP_US, "µs"),
        Check(f"env on, minimal app: a token within {BYPASSED_GAP_US:g} µs of an exempt path",
              ("min-env-on-bypassed",), ("min-env-on-exempt",), BYPASSED_GAP_US, "µs"),
        *(_ratio(f"{d} on: 503 at most {BLOCKED_LIMIT:g}x the bare app", f"{d}-on", "bare",
                 BLOCKED_LIMIT) for d in drivers),
        _ratio("env on, every bypass option: 503 under half the bare app", "env-on-bypass",
               "bare", 0.5),
        _ratio(f"{full} off: overhead <= 3%", f"{full}-off", "bare", OVERHEAD_LIMIT),
        _ratio(f"{full} on (message, window): 503 under half the bare app", f"{full}-on", "bare",
               0.5),
        _ratio("env on, a blocked-request plugin: 503 under half the bare app", "env-on-hook",
               "bare-hook", 0.5),
        Check(
            f"off: overhead at {many} routes / at {few} routes",
            (f"env-off-r{many}", f"bare-r{few}"),
            (f"bare-r{many}", f"env-off-r{few}"),
            OVERHEAD_LIMIT,
        ),
        _ratio(f"on: 503 at {many} routes / at {few} routes", f"env-on-r{many}", f"env-on-r{few}",
               OVERHEAD_LIMIT),
        _ratio(f"on, new paths: 503 at {many} routes / at {few}", f"env-on-r{many}-fresh",
               f"env-on-r{few}-fresh", OVERHEAD_LIMIT),
        _ratio(f"on, new paths, {many} routes: 503 no slower than bare app",
               f"env-on-r{many}-fresh", f"bare-r{many}-fresh", 1.0),
    ]  # fmt: skip


def http_variants(stores: list[type[Store]]) -> list[Variant]:
    """Over HTTP: the bare app, the reference middleware, every driver that a server process
    can reach by URL and the two-method driver, maintenance off, and a 503."""
    found = [BARE, REFERENCE]
    found += [
        Variant(f"{s.driver}-off", f"{s.driver}, maintenance off", s)
        for s in [*stores, TwoMethodStore]
        if s.by_url
    ]
    return [*found, Variant("env-on", "env, maintenance on (503)", EnvStore, on=True)]
