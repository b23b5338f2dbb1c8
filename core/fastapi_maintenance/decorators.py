"""Per-route decorators that pin a route in or out of maintenance mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

FORCE_ON_ATTR = "force_maintenance_mode_on"
FORCE_OFF_ATTR = "force_maintenance_mode_off"


def force_maintenance_mode_on(func: F) -> F:
    """Always answer this route's methods with the maintenance response.

    Place it below the route decorator (``@app.get(...)`` then ``@force_maintenance_mode_on``).
    It marks the function and returns it unchanged, so it costs nothing per call.
    """
    func.__dict__[FORCE_ON_ATTR] = True
    func.__dict__[FORCE_OFF_ATTR] = False
    return func


def force_maintenance_mode_off(func: F) -> F:
    """Keep this route's methods reachable during maintenance (health checks, admin)."""
    func.__dict__[FORCE_OFF_ATTR] = True
    func.__dict__[FORCE_ON_ATTR] = False
    return func


def forced_state(endpoint: object) -> bool | None:
    """``True`` if forced on, ``False`` if forced off, ``None`` if the endpoint is unmarked."""
    marks = getattr(endpoint, "__dict__", None)
    if not isinstance(marks, dict):
        return None
    if marks.get(FORCE_ON_ATTR):
        return True
    if marks.get(FORCE_OFF_ATTR):
        return False
    return None
