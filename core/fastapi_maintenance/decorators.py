"""Per-route decorators that pin a route in or out of maintenance mode, or let its writes
through read-only maintenance.

A decorator returns a new function that carries the mark and calls the decorated one, so
the mark belongs to the route registered with that new function only: a function shared by
several routes is not forced on the routes that register it undecorated. Given a router, a
decorator marks every route the router holds.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import types
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import Any, TypeVar

from starlette.routing import Router

__all__ = [
    "ALLOW_IN_READ_ONLY_ATTR",
    "FORCE_MAINTENANCE_MODE_OFF_ATTR",
    "FORCE_MAINTENANCE_MODE_ON_ATTR",
    "allow_in_read_only",
    "force_maintenance_mode_off",
    "force_maintenance_mode_on",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Attribute names of the marks, as in fastapi-maintenance 0.0.5.
FORCE_MAINTENANCE_MODE_ON_ATTR = "force_maintenance_mode_on"
FORCE_MAINTENANCE_MODE_OFF_ATTR = "force_maintenance_mode_off"
#: Attribute name of the ``allow_in_read_only`` mark.
ALLOW_IN_READ_ONLY_ATTR = "allow_in_read_only"

#: Each function a force decorator was given, with the (weakly held) functions the
#: decorators returned and the state each forces: spots a function registered undecorated.
_given: weakref.WeakKeyDictionary[Any, list[tuple[weakref.ref[Any], bool]]] = (
    weakref.WeakKeyDictionary()
)


def force_maintenance_mode_on(func: F) -> F:
    """Always answer this route's methods with the maintenance response.

    Place it below the route decorator (``@app.get(...)`` then ``@force_maintenance_mode_on``).
    Given a router (``APIRouter``), it forces every route the router holds now: call it
    after declaring them, before ``include_router``.
    """
    if isinstance(func, Router):
        return _marked_router(func, True)  # type: ignore[return-value]
    return _marked(func, True)


def force_maintenance_mode_off(func: F) -> F:
    """Keep this route's methods reachable during maintenance (health checks, admin).

    Place it below the route decorator (``@app.get(...)`` then ``@force_maintenance_mode_off``).
    Given a router (``APIRouter``), it keeps up every route the router holds now: call it
    after declaring them, before ``include_router``.
    """
    if isinstance(func, Router):
        return _marked_router(func, False)  # type: ignore[return-value]
    return _marked(func, False)


def allow_in_read_only(func: F) -> F:
    """Let this route's writes through read-only maintenance (a login ``POST``, a search
    ``POST``); full maintenance still answers it with the 503.

    Place it below the route decorator (``@app.post(...)`` then ``@allow_in_read_only``).
    Given a router (``APIRouter``), it marks every route the router holds now.
    """
    if isinstance(func, Router):
        for route in _routes_of(func):
            route.endpoint = allow_in_read_only(route.endpoint)
        return func
    if isinstance(func, type) or not callable(func):
        raise TypeError(f"allow_in_read_only decorates a route's function; got {func!r}")
    wrapper = _wrapper(func)
    wrapper.__dict__[ALLOW_IN_READ_ONLY_ATTR] = True
    return wrapper  # type: ignore[return-value]


def allowed_in_read_only(endpoint: object) -> bool:
    """Whether the endpoint's writes pass read-only maintenance (``allow_in_read_only``)."""
    marks = getattr(endpoint, "__dict__", None)
    return isinstance(marks, dict) and marks.get(ALLOW_IN_READ_ONLY_ATTR) is True


def forced_state(endpoint: object) -> bool | None:
    """``True`` if forced on, ``False`` if forced off, ``None`` if the endpoint is unmarked."""
    marks = getattr(endpoint, "__dict__", None)
    if not isinstance(marks, dict):
        return None
    if marks.get(FORCE_MAINTENANCE_MODE_ON_ATTR):
        return True
    if marks.get(FORCE_MAINTENANCE_MODE_OFF_ATTR):
        return False
    return None


def marks_given_to(func: object) -> list[tuple[object | None, bool]]:
    """The decorators applied to ``func`` itself: each returned function (``None`` once
    garbage-collected, so never registered) with the state it forces, oldest first."""
    try:
        given = _given.get(func, [])
    except TypeError:  # not weakly referenceable, hence never decorated
        return []
    return [(ref(), on) for ref, on in given]


def _marked(func: F, on: bool) -> F:
    if isinstance(func, type) or not callable(func):
        decorator = "force_maintenance_mode_on" if on else "force_maintenance_mode_off"
        raise TypeError(f"{decorator} decorates a route's function; got {func!r}")
    wrapper = _wrapper(func)
    wrapper.__dict__[FORCE_MAINTENANCE_MODE_ON_ATTR] = on
    wrapper.__dict__[FORCE_MAINTENANCE_MODE_OFF_ATTR] = not on
    # A callable that cannot be weakly referenced is simply not reported when misplaced.
    with contextlib.suppress(TypeError):
        _given.setdefault(func, []).append((weakref.ref(wrapper), on))
    return wrapper  # type: ignore[return-value]


def _marked_router(router: Router, on: bool) -> Router:
    """Mark the endpoint of every route ``router`` holds (those of routers included in it
    too), but for routes forced on their own. The routes keep calling what they called, and
    ``include_router`` carries the marks."""
    routes = list(_routes_of(router))
    if not routes:
        decorator = "force_maintenance_mode_on" if on else "force_maintenance_mode_off"
        raise ValueError(
            f"{decorator}: the router has no routes yet; call it after declaring them (it "
            "marks the routes the router holds when it is called), before include_router"
        )
    for route in routes:
        if forced_state(route.endpoint) is None:
            route.endpoint = _marked(route.endpoint, on)
    return router


def _routes_of(router: Router) -> Iterator[Any]:
    """The routes with an endpoint that ``router`` holds, through included routers: FastAPI
    0.137 and newer keep those as they are (``original_router``), older ones copy routes."""
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if isinstance(included, Router):
            yield from _routes_of(included)
        elif getattr(route, "endpoint", None) is not None:
            yield route


def _wrapper(func: Callable[..., Any]) -> Callable[..., Any]:
    """A function calling ``func`` of the same kind (coroutine, generator, plain), so the
    framework runs it the same way (a plain function still runs in a worker thread)."""
    target = inspect.unwrap(func)
    call = getattr(target, "__call__", None)  # noqa: B004
    if inspect.isasyncgenfunction(target) or inspect.isasyncgenfunction(call):

        async def stream(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            async for item in func(*args, **kwargs):
                yield item

        wrapper: Callable[..., Any] = stream
    elif inspect.isgeneratorfunction(target) or inspect.isgeneratorfunction(call):

        def generate(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            return (yield from func(*args, **kwargs))

        wrapper = generate
    elif _is_coroutine(func) or _is_coroutine(target):

        async def run(*args: Any, **kwargs: Any) -> Any:
            return await func(*args, **kwargs)

        wrapper = run
    else:

        def call_plain(*args: Any, **kwargs: Any) -> Any:
            return func(*args, **kwargs)

        wrapper = call_plain
    wrapper = _with_globals_of(wrapper, target)
    return functools.update_wrapper(wrapper, func)


def _is_coroutine(func: object) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    call = getattr(func, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(call)


def _with_globals_of(wrapper: Any, target: object) -> Any:
    """``wrapper`` resolving names in ``target``'s module, where string annotations live.

    FastAPI before 0.115 evaluates an endpoint's annotations in the endpoint's own globals.
    """
    namespace = getattr(target, "__globals__", None)
    if not isinstance(namespace, dict):
        return wrapper
    return types.FunctionType(
        wrapper.__code__, namespace, wrapper.__name__, wrapper.__defaults__, wrapper.__closure__
    )
