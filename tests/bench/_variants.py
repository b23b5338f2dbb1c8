"""What is measured: each variant of the app, what it is compared with, and the targets."""

from __future__ import annotations

from dataclasses import dataclass

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
    #: The variant this one's ratio is taken against, ``None`` for a baseline.
    baseline: str | None = "bare"

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


def _route_variants() -> list[Variant]:
    found: list[Variant] = []
    for routes in (FEW_ROUTES, MANY_ROUTES):
        base = f"bare-r{routes}"
        found += [
            Variant(base, f"bare app, {routes} routes", routes=routes, baseline=None),
            Variant(
                f"env-off-r{routes}",
                f"env off, {routes} routes",
                EnvStore,
                routes=routes,
                baseline=base,
            ),
            Variant(
                f"env-on-r{routes}",
                f"env on (503), {routes} routes",
                EnvStore,
                on=True,
                routes=routes,
                baseline=base,
            ),
        ]
    for routes in (FEW_ROUTES, MANY_ROUTES):
        base = f"bare-r{routes}-fresh"
        found += [
            Variant(
                base,
                f"bare app, {routes} routes, new path each time",
                routes=routes,
                fresh_paths=True,
                baseline=None,
            ),
            Variant(
                f"env-on-r{routes}-fresh",
                f"env on (503), {routes} routes, new path each time",
                EnvStore,
                on=True,
                routes=routes,
                fresh_paths=True,
                baseline=base,
            ),
        ]
    return found


def inprocess_variants(stores: list[type[Store]]) -> list[Variant]:
    """The bare app, every driver off and on, the await-only driver, and the route-count pairs."""
    found = [BARE]
    measured: list[type[Store]] = [*stores, AwaitOnlyStore]
    for store in measured:
        found += _driver_variants(store)
    return found + _route_variants()


def inprocess_checks(stores: list[type[Store]]) -> list[Check]:
    checks: list[Check] = []
    for store in stores:
        checks.append(
            Check(
                f"{store.driver} off: overhead <= 3%",
                (f"{store.driver}-off",),
                ("bare",),
                OVERHEAD_LIMIT,
            )
        )
    for store in stores:
        checks.append(
            Check(
                f"{store.driver} on: 503 no slower than bare app",
                (f"{store.driver}-on",),
                ("bare",),
                1.0,
            )
        )
    few, many = FEW_ROUTES, MANY_ROUTES
    return [
        *checks,
        Check(
            f"off: overhead at {many} routes / at {few} routes",
            (f"env-off-r{many}", f"bare-r{few}"),
            (f"bare-r{many}", f"env-off-r{few}"),
            OVERHEAD_LIMIT,
        ),
        Check(
            f"on: 503 at {many} routes / at {few} routes",
            (f"env-on-r{many}",),
            (f"env-on-r{few}",),
            OVERHEAD_LIMIT,
        ),
        Check(
            f"on, new paths: 503 at {many} routes / at {few} routes",
            (f"env-on-r{many}-fresh",),
            (f"env-on-r{few}-fresh",),
            OVERHEAD_LIMIT,
        ),
        Check(
            f"on, new paths, {many} routes: 503 no slower than bare app",
            (f"env-on-r{many}-fresh",),
            (f"bare-r{many}-fresh",),
            1.0,
        ),
    ]


def http_variants(stores: list[type[Store]]) -> list[Variant]:
    """Over HTTP: the bare app, every driver that a server process can reach by URL, and a 503."""
    found = [BARE]
    found += [
        Variant(f"{s.driver}-off", f"{s.driver}, maintenance off", s) for s in stores if s.by_url
    ]
    return [*found, Variant("env-on", "env, maintenance on (503)", EnvStore, on=True)]
