"""The stored states of the scope variants: scopes that select none of the benchmark's
requests, and one that selects them all."""

from __future__ import annotations

from fastapi_maintenance import MaintenanceScope, MaintenanceState

from ._apps import TARGET_PATH


def idle_scope(number: int) -> MaintenanceScope:
    """A scope that selects none of the benchmark's requests (``GET`` on ``127.0.0.1``, an
    app without a service name, routes without tags). Every selector kind appears in turn,
    alone or combined, as a deployment's scopes would."""
    name = f"idle-{number}"
    area = f"/area{number}/*"
    kinds = [
        MaintenanceScope(name, paths=(area,)),
        MaintenanceScope(name, paths=(area,), methods=("POST", "PUT", "DELETE")),
        MaintenanceScope(name, hosts=(f"tenant{number}.example.com",)),
        MaintenanceScope(name, tags=(f"team{number}",)),
        MaintenanceScope(name, services=(f"service{number}",)),
    ]
    return kinds[number % len(kinds)]


#: A scope that selects every request of the one-route and minimal apps.
TARGET_SCOPE = MaintenanceScope("bench-target", paths=(TARGET_PATH,))


def scoped_state(idle: int, selecting: bool) -> MaintenanceState:
    """Maintenance off globally, with ``idle`` scopes selecting nothing and, if ``selecting``,
    :data:`TARGET_SCOPE` after them."""
    scopes = [idle_scope(number) for number in range(idle)]
    if selecting:
        scopes.append(TARGET_SCOPE)
    return MaintenanceState(scopes=tuple(scopes))
