"""What is measured: each variant of the app, what it is compared with, and the targets."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ._stores import AwaitOnlyStore, EnvStore, Store

#: Route counts compared for growth of the middleware's cost.
FEW_ROUTES = 10
MANY_ROUTES = 1000


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
    #: The app also has a route forced into maintenance.
    forced_route: bool = False
    #: The middleware runs with ``enable_maintenance=False``: its own cost, without a driver.
    pinned_off: bool = False
    #: The variant this one's ratio is taken against, ``None`` for a baseline.
    baseline: str | None = "bare"
    #: Variants compared with each other share a group, and are measured in one process.
    group: str = "drivers"

    @property
    def expected_status(self) -> int:
        return 503 if self.on else 200


@dataclass(frozen=True)
class Check:
    """A target: the product of ``over`` divided by the product of ``under`` is at most ``limit``.

    Taken per round, from samples measured side by side, then the median over rounds.
    """

    label: str
    over: tuple[str, ...]
    under: tuple[str, ...]
    limit: float


BARE = Variant("bare", "bare app", baseline=None)
OVERHEAD_LIMIT = 1.03


def _driver_variants(store: type[Store]) -> list[Variant]:
    name = store.driver
    key = name.split()[0]
    return [
        Variant(f"{key}-off", f"{name}, maintenance off", store),
        Variant(f"{key}-on", f"{name}, maintenance on (503)", store, on=True),
    ]


def _forced_variants() -> list[Variant]:
    return [
        Variant("bare-forced", "bare app with a forced route", forced_route=True, baseline=None,
                group="forced"),
        Variant("env-off-forced", "env off, app with a forced route", EnvStore, forced_route=True,
                baseline="bare-forced", group="forced"),
    ]  # fmt: skip


def _route_variants(routes: int) -> list[Variant]:
    """The bare app and env off/on with ``routes`` routes; then the same with new paths."""
    bare, fresh = f"bare-r{routes}", f"bare-r{routes}-fresh"
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
    ]  # fmt: skip
    return [replace(v, group="routes") for v in variants]


def inprocess_variants(stores: list[type[Store]]) -> list[Variant]:
    """Bare app, middleware alone, each driver off and on, a forced route, and route counts."""
    found = [BARE, Variant("pinned-off", "enable_maintenance=False (no driver)", pinned_off=True)]
    measured: list[type[Store]] = [*stores, AwaitOnlyStore]
    for store in measured:
        found += _driver_variants(store)
    return found + _forced_variants() + _route_variants(FEW_ROUTES) + _route_variants(MANY_ROUTES)


def _ratio(label: str, over: str, under: str, limit: float) -> Check:
    return Check(label, (over,), (under,), limit)


def inprocess_checks(stores: list[type[Store]]) -> list[Check]:
    """The targets: off costs at most 3%, the 503 is no slower, route count does not matter."""
    few, many = FEW_ROUTES, MANY_ROUTES
    drivers = [store.driver for store in stores]
    return [
        *(_ratio(f"{d} off: overhead <= 3%", f"{d}-off", "bare", OVERHEAD_LIMIT) for d in drivers),
        _ratio("env off, forced route: overhead <= 3%", "env-off-forced", "bare-forced",
               OVERHEAD_LIMIT),
        *(_ratio(f"{d} on: 503 no slower than bare app", f"{d}-on", "bare", 1.0) for d in drivers),
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
    """Over HTTP: the bare app, every driver that a server process can reach by URL, and a 503."""
    found = [BARE]
    found += [
        Variant(f"{s.driver}-off", f"{s.driver}, maintenance off", s) for s in stores if s.by_url
    ]
    return [*found, Variant("env-on", "env, maintenance on (503)", EnvStore, on=True)]
