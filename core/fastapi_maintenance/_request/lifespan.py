"""The middleware's part in the ASGI lifespan: start the backend before the app starts, follow
its changes while it runs, close it after the app stopped; fail the startup on a mistake."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import NoReturn

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._model.backend import BaseStateBackend
from .._model.errors import BackendUnavailableError, MaintenanceError
from .._model.model import MaintenanceState
from .._state.api import cached_state_of
from .._state.state import default_backend, state
from .._support.redact import redact
from .loops import running_loop

__all__ = ["Misconfiguration", "run_lifespan"]

logger = logging.getLogger("fastapi_maintenance")


class Misconfiguration:
    """A configuration mistake found while a server runs the app (Starlette builds the
    middleware of ``add_middleware`` on the first ASGI call): it fails the startup."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __str__(self) -> str:
        return redact(f"MaintenanceModeMiddleware is misconfigured: {self.error}")


async def run_lifespan(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    backend: BaseStateBackend | None,
    misconfigured: Misconfiguration | None,
    started: Callable[[], object],
) -> None:
    """Run the app's lifespan with the backend's around it.

    A backend that cannot run fails the startup, so the server refuses to serve: a
    default backend that cannot be built (``FASTAPI_MAINTENANCE_BACKEND`` names no
    installed driver), or a ``start()`` raising anything but ``BackendUnavailableError``.
    A store that is only unreachable is logged and the app starts. ``started`` is called
    once the backend runs, before the app starts.
    """
    first = await receive()
    running: BaseStateBackend | None = None
    if first["type"] == "lifespan.startup":
        if misconfigured is not None:
            await _fail_startup(send, str(misconfigured), misconfigured.error)
        try:
            running = state.substitute or backend or default_backend()
        except Exception as exc:
            await _fail_startup(send, redact(str(exc)), exc)
        failure = await _start(running)
        if failure is not None:
            await _fail_startup(send, failure)
        started()
    pending: list[Message] = [first]
    follower = None
    if running is not None:
        state.served[id(running)] = running
        follower = _follow(running)

    async def replay_then_receive() -> Message:
        return pending.pop() if pending else await receive()

    async def close_and_send(message: Message) -> None:
        nonlocal running, follower
        if running is not None and message["type"] in (
            "lifespan.shutdown.complete",
            "lifespan.shutdown.failed",
        ):
            if follower is not None:
                follower.cancel()
                await asyncio.wait([follower])
                follower = None
            if state.served.get(id(running)) is running:
                del state.served[id(running)]
            await _call_backend(running, "aclose")
            running = None
        await send(message)

    await app(scope, replay_then_receive, close_and_send)


def _follow(backend: BaseStateBackend) -> asyncio.Task[None] | None:
    """For a driver that pushes changes, a task telling the plugins of each change made
    by another process (under asyncio, where such drivers run)."""
    if not backend.supports_changes or running_loop() is None:
        return None
    return asyncio.get_running_loop().create_task(_announce_changes(backend))


async def _announce_changes(backend: BaseStateBackend) -> None:
    """Announce each change ``backend`` pushes; the plugins skip what they already heard
    (this process's own writes, or another app's follower of the same backend)."""
    plugins = state.plugins
    current = cached_state_of(backend)
    if current is not None:
        plugins.seen(backend, current)
    try:
        async for pushed in backend.changes():
            new: MaintenanceState | bool = pushed
            if not isinstance(new, MaintenanceState):
                # A driver pushing on/off keeps the whole state in its cache.
                cached = cached_state_of(backend)
                if cached is not None and cached.on == bool(new):
                    new = cached
            plugins.pushed(backend, new)
    except NotImplementedError:
        return
    except Exception as exc:
        logger.error(
            "cannot follow the changes of maintenance backend %s (%r); plugins hear only "
            "of the changes this process makes",
            redact(backend.describe()),
            exc,
        )


async def _start(backend: BaseStateBackend) -> str | None:
    """Start the backend; why the app must not start, or ``None`` if it may."""
    try:
        await backend.start()
    except BackendUnavailableError as exc:
        logger.error(
            "maintenance backend %s: start() failed: %s; the application starts, and "
            "requests use the last known state until the backend answers",
            redact(backend.describe()),
            redact(str(exc)),
        )
    except Exception as exc:
        await _call_backend(backend, "aclose")
        cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return (
            f"maintenance backend {redact(backend.describe())} cannot run: start() raised "
            f"{redact(cause)}"
        )
    return None


async def _call_backend(backend: BaseStateBackend, method: str) -> None:
    """Close (or start) the backend; a failure is logged, never allowed to stop the app."""
    try:
        await getattr(backend, method)()
    except Exception:
        logger.exception("maintenance backend %s %s() failed", redact(backend.describe()), method)


async def _fail_startup(send: Send, message: str, error: Exception | None = None) -> NoReturn:
    """Tell the server the startup failed, then raise: every server stops on the message,
    and Starlette's ``TestClient`` only on the exception.

    A mistaken option is raised as it is; a backend's failure as a ``MaintenanceError``
    with the redacted ``message``, since its own text may quote a URL's credentials.
    """
    await send({"type": "lifespan.startup.failed", "message": message})
    if isinstance(error, (ValueError, TypeError)) and not isinstance(error, MaintenanceError):
        raise error
    raise MaintenanceError(message) from None
