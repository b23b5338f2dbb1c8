"""``MaintenanceModeMiddleware``: a pure ASGI middleware that answers 503 during maintenance."""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from typing import Any, NoReturn

import anyio
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from ._model.backend import BaseStateBackend
from ._model.errors import BackendUnavailableError, MaintenanceError
from ._model.model import OFF, ON, MaintenanceState
from ._model.paths import PathPatterns
from ._request.bypass import Admission, Bypass, admit, bypass_from
from ._request.decision import Ask, Decision, Rules, Verdict, decide, held_state
from ._request.facts import ScopeFacts, route_path_of
from ._request.layers import warn_if_wrapping_cors
from ._request.page import PAGE_SCOPE_KEY, MaintenancePage
from ._request.rendered import RenderedResponses
from ._request.routes import (
    RouteTable,
    docs_paths_of,
    own_root_path,
    report_unmarked_registrations,
    starlette_routes,
)
from ._state.api import BackendSpec, cached_state_of, resolve_backend
from ._state.state import default_backend, remember_app_backend, state
from ._support.environ import listed
from ._support.logonce import Problems
from ._support.redact import redact
from .responses import DEFAULT_RETRY_AFTER, STATE_SCOPE_KEY, maintenance_response

__all__ = ["MaintenanceModeMiddleware"]

logger = logging.getLogger("fastapi_maintenance")

ExemptHandler = Callable[[Any], bool | Awaitable[bool]]
ResponseHandler = Callable[[Any], Response | Awaitable[Response]]
#: A read being stepped by hand: a coroutine, or what an awaitable's ``__await__`` gives.
_Steps = Coroutine[Any, Any, Any] | Generator[Any, Any, Any]
_COROUTINE = types.CoroutineType
#: The running asyncio loop, ``None`` under trio; a C function, cheap on every read.
_running_loop = asyncio._get_running_loop

# Enum members read through module globals: on Python 3.11 a class attribute costs 4 times more.
_BLOCK, _LINK, _BYPASS = Verdict.BLOCK, Verdict.LINK, Ask.BYPASS

#: WebSocket close code 1013, "Try Again Later".
WS_TRY_AGAIN_LATER = 1013
#: The same in the private-use range, for servers that refuse 1013 (daphne: 1000, 3000-4999).
WS_TRY_AGAIN_LATER_PRIVATE = 4013
DEFAULT_STATE_TIMEOUT = 1.0
#: The header announcing a scheduled window on normal responses (``announce_schedule``).
SCHEDULED_HEADER = "X-Maintenance-Scheduled"


class MaintenanceModeMiddleware:
    """Answer every request with 503 while maintenance mode is on.

    Precedence, from strongest: a route forced on, a route forced off, the docs routes, paths
    outside ``paths``, the bypass rules (``exempt_paths``, ``allow_ips``, a signed bypass
    token), ``exempt_handler``, an open ``maintenance_mode_on`` block, then
    ``enable_maintenance`` if given, else the backend's state. Requests for routes that
    do not exist keep their 404/405.

    ``backend`` is a backend instance, a driver name (with ``backend_options``) or a URL;
    by default the backend set by ``configure_backend`` or ``FASTAPI_MAINTENANCE_BACKEND``.

    ``exempt_paths``, ``allow_ips`` (behind ``trusted_proxies``, read from the header they
    write: ``forwarded_header``, ``"X-Forwarded-For"`` by default or ``"Forwarded"``) and
    ``bypass_secret`` (with ``bypass_header``, ``bypass_query_param``, ``bypass_cookie``) let
    people through during maintenance; each not given falls back to its
    ``FASTAPI_MAINTENANCE_<OPTION>`` variable.

    ``paths`` (else ``FASTAPI_MAINTENANCE_PATHS``) limits maintenance to the paths it lists
    (``/api/*``), so an app served beside the API (a single-page app's files) stays up.

    A state with a window blocks only within it, by this process's clock, checked on every
    request; a read-only state lets ``GET``, ``HEAD`` and ``OPTIONS`` through (WebSocket
    handshakes are refused). With ``announce_schedule``, normal responses carry
    ``X-Maintenance-Scheduled: <start>`` while a window is scheduled.

    ``page`` (a ``MaintenancePage``) brands the page browsers get: a title, a logo, a
    stylesheet, or a whole template.
    """

    def __init__(
        self,
        app: ASGIApp,
        enable_maintenance: bool | None = None,
        backend: BackendSpec | None = None,
        exempt_handler: ExemptHandler | None = None,
        response_handler: ResponseHandler | None = None,
        *,
        backend_options: dict[str, Any] | None = None,
        retry_after: int | None = DEFAULT_RETRY_AFTER,
        state_timeout: float = DEFAULT_STATE_TIMEOUT,
        exempt_paths: Iterable[str] | None = None,
        allow_ips: Iterable[str] | None = None,
        trusted_proxies: Iterable[str] | None = None,
        bypass_secret: str | Sequence[str] | None = None,
        bypass_header: str | None = None,
        bypass_query_param: str | None = None,
        bypass_cookie: str | None = None,
        forwarded_header: str | None = None,
        announce_schedule: bool = False,
        paths: Iterable[str] | None = None,
        page: MaintenancePage | None = None,
    ) -> None:
        self.app = app
        self.enable_maintenance = enable_maintenance
        self.exempt_handler = exempt_handler
        self.response_handler = response_handler
        self.retry_after = retry_after
        self.state_timeout = state_timeout
        self.announce_schedule = bool(announce_schedule)
        self.page: MaintenancePage | None = None
        self.backend: BaseStateBackend | None = None
        #: The bypass rules (each option else its environment variable); ``None`` if none.
        self._bypass: Bypass | None = None
        #: The paths maintenance covers (``paths``, else its variable); ``None``: every path.
        self._paths: PathPatterns | None = None
        #: A configuration mistake found while a server runs the app (Starlette builds the
        #: middleware of ``add_middleware`` on the first ASGI call): it fails the startup.
        self._misconfigured: Exception | None = None
        try:
            _check_options(retry_after, state_timeout)
            self.page = _checked_page(page)
            self._bypass = bypass_from(
                exempt_paths,
                allow_ips,
                trusted_proxies,
                bypass_secret,
                bypass_header,
                bypass_query_param,
                bypass_cookie,
                forwarded_header,
            )
            self._paths = PathPatterns(*listed(paths, "paths")) or None
            self.backend = resolve_backend(backend, backend_options)
        except (ValueError, TypeError, MaintenanceError) as exc:
            if not _in_event_loop():
                raise  # built at import: the app does not load, under any server
            # Fail closed where no startup can fail (a server run without lifespan).
            self._misconfigured = exc
            self.enable_maintenance = True
            self.retry_after, self.response_handler, self.page = DEFAULT_RETRY_AFTER, None, None
        #: The options the decision reads.
        self._rules = Rules(
            paths=self._paths,
            bypass=self._bypass is not None,
            exempt_handler=self.exempt_handler is not None,
            announce_schedule=self.announce_schedule,
        )
        warn_if_wrapping_cors(app)
        if self.backend is not None:
            remember_app_backend(self.backend)
        self._table: RouteTable | None = None
        self._last_known: bool | None = None
        self._last_state: MaintenanceState = OFF
        #: ``id()`` of the backends whose last read failed, to log their recovery once.
        self._unreadable: set[int] = set()
        self._problems = Problems()
        self._rendered = RenderedResponses()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            if kind == "lifespan":
                await self._lifespan(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        table = self._table
        if table is None or table.is_stale():
            table = self._build_table(scope)
        # The state, read inline: while it is off and no route is forced on, nothing else is.
        held: MaintenanceState | None = None  # what open override blocks hold
        stored: MaintenanceState | None = None  # the state served: the pin, else the backend's
        if state.override_depth or state.override_off_depth:
            held = held_state(state.override_depth, state.override_off_depth)
            on: bool | None = held is not None and held.on
        else:
            on = self.enable_maintenance
            if on is None:
                backend = state.substitute or self.backend or self._default_backend()
                if backend._serves_state:
                    try:
                        stored = backend.cached_state()
                    except Exception as exc:
                        self._cache_failed(backend, exc, "cached_state")
                        stored = None
                    if stored is None:
                        stored = await self._read_whole_state(backend)
                    on = stored.on
                else:
                    try:
                        on = backend.cached_value()
                    except Exception as exc:
                        self._cache_failed(backend, exc)
                        on = None
                    if on is None:
                        on = await self._read_state(backend)
        path = None
        if not on:
            # Only a route forced on could block: the decision is asked only if one may be hit.
            if not table.has_forced_on:
                await self.app(scope, receive, send)
                return
            path = route_path_of(scope, table.root_path)
            if not table.may_be_forced_on(path):
                await self.app(scope, receive, send)
                return
        if stored is None:  # enable_maintenance, or a driver serving on/off only
            stored = ON if on else OFF
        facts = ScopeFacts(scope, table, self._bypass, path)
        decision = decide(self._rules, held, stored, facts)
        if decision.announce is not None:
            send = _announcing(send, decision.announce)
        if decision.state is not None:
            scope[STATE_SCOPE_KEY] = decision.state
        verdict = decision.verdict
        if verdict is _BLOCK:
            if not decision.asks:
                await self._block(scope, receive, send)
                return
            passed = await self._ask(decision, facts.path, scope, receive, send)
            if passed is None:
                return
            receive = passed
        elif verdict is _LINK:
            await self._answer_link(facts.path, scope, receive, send)
            return
        await self.app(scope, receive, send)

    # carrying the decision out -------------------------------------------------------

    async def _ask(
        self, decision: Decision, path: str, scope: Scope, receive: Receive, send: Send
    ) -> Receive | None:
        """Ask the rules the decision delegates, in its order: return the ``receive`` to pass
        on if one lets the request through; else answer it blocked and return ``None``."""
        for ask in decision.asks:
            if ask is _BYPASS:
                admitted = await admit(self._bypass, decision.allow_lists, scope, send, path)
                if admitted is Admission.THROUGH:
                    return receive
            elif self.exempt_handler is not None:
                # The handler may read the body; the app or response handler reads it again.
                recorded = _Recorded(receive)
                connection: HTTPConnection = (
                    WebSocket(scope, recorded, send)
                    if scope["type"] == "websocket"
                    else Request(scope, recorded)
                )
                exempt = await self._is_exempt(self.exempt_handler, connection)
                receive = recorded.replay()
                if exempt:
                    return receive
        await self._block(scope, receive, send)
        return None

    async def _answer_link(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """The POST a bypass link makes holds a token: answered here on any path, never
        passed on; without a valid token, blocked (the body is not read again)."""
        bypass = self._bypass
        if bypass is None or not await bypass.answer_link(scope, receive, send, path):
            await self._block(scope, _no_body, send)

    async def _block(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer with the maintenance response (or refuse the WebSocket); tell the plugins."""
        try:
            if scope["type"] == "websocket":
                await self._refuse_websocket(scope, receive, send)
            else:
                request = Request(scope, receive)
                response = await self._response(request)
                if response is None:
                    await self._rendered.send(request, self.retry_after, send)
                else:
                    await response(scope, receive, send)
        except (OSError, ClientDisconnect):
            logger.debug("the client left before the maintenance response was sent")
        plugins = state.plugins
        if plugins.blocked_hooks != ():
            plugins.notify_blocked(scope, scope.get(STATE_SCOPE_KEY) or ON)

    def _misconfiguration(self) -> str:
        return redact(f"MaintenanceModeMiddleware is misconfigured: {self._misconfigured}")

    async def _is_exempt(self, handler: ExemptHandler, connection: HTTPConnection) -> bool:
        try:
            return bool(await _call(handler, connection))
        except Exception as exc:
            self._problems.report(
                f"exempt:{type(exc).__name__}",
                "exempt_handler raised %r; the request is treated as not exempt",
                exc,
                exc_info=True,
            )
            return False

    async def _response(self, request: Request) -> Response | None:
        """The response handler's response; ``None`` for the default one."""
        if self.page is not None:
            request.scope[PAGE_SCOPE_KEY] = self.page
        if self.response_handler is not None:
            try:
                response = await _call(self.response_handler, request)
                if isinstance(response, Response):
                    return response
                raise TypeError(f"expected a starlette Response, got {type(response).__name__}")
            except Exception as exc:
                self._problems.report(
                    f"response:{type(exc).__name__}",
                    "response_handler raised %r; answering with the default maintenance response",
                    exc,
                    exc_info=True,
                )
        return None

    async def _refuse_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Accept, then close with 1013; with 4013 if the server refuses to send 1013.

        On trio, where the server offers it, the handshake is answered with the maintenance
        response instead: a close started by the app races the server's own reply to the
        client's close, and hypercorn's trio worker dies of it (``BusyResourceError``).
        """
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if "websocket.http.response" in scope.get("extensions", {}) and _on_trio():
            http_scope = {**scope, "type": "http", "method": "GET"}
            request = Request(http_scope, receive)
            response = await self._response(request)
            response = response or maintenance_response(request, self.retry_after)
            await response(http_scope, receive, _as_denial(send))
            return
        await send({"type": "websocket.accept"})
        refusals: list[Exception] = []
        for code in (WS_TRY_AGAIN_LATER, WS_TRY_AGAIN_LATER_PRIVATE):
            try:
                await send(_maintenance_close(code))
                return
            except (OSError, ClientDisconnect):
                raise
            except Exception as exc:
                refusals.append(exc)
        self._problems.report(
            "websocket-close",
            "the server refused to close a WebSocket with code %d (%r) and with %d (%r); "
            "refused WebSockets are left to the server to close",
            WS_TRY_AGAIN_LATER,
            refusals[0],
            WS_TRY_AGAIN_LATER_PRIVATE,
            refusals[1],
        )

    # state ---------------------------------------------------------------------------

    async def _read_state(self, backend: BaseStateBackend) -> bool:
        """Ask a driver that keeps no cache, within ``state_timeout``.

        On failure the last known state is used, and the outage is logged once.
        """
        try:
            read = backend.get_value()
            # Stepped once by hand: a read that answers without suspending (a driver keeping
            # its state in memory) is never timed; arming a timer would cost several times
            # the read. One that suspends is timed from there.
            steps = read if type(read) is _COROUTINE else read.__await__()
            if _running_loop() is None:
                value = bool(await _within_scope(steps, self.state_timeout))
            else:
                try:
                    suspended = steps.send(None)
                except StopIteration as done:
                    value = bool(done.value)
                else:
                    value = bool(await _resume_within(steps, suspended, self.state_timeout))
        except Exception as exc:
            assumed = bool(self._last_known)
            self._read_failed(backend, exc, assumed)
            return assumed
        # Checked on every read, so the common case is an empty set, not a formatted key.
        if self._unreadable and id(backend) in self._unreadable:
            self._read_again(backend)
        self._last_known = value
        return value

    async def _read_whole_state(self, backend: BaseStateBackend) -> MaintenanceState:
        """``_read_state`` for a driver serving a whole state, through ``get_state()``."""
        try:
            read = backend.get_state()
            steps = read if type(read) is _COROUTINE else read.__await__()
            if _running_loop() is None:
                value = await _within_scope(steps, self.state_timeout)
            else:
                try:
                    suspended = steps.send(None)
                except StopIteration as done:
                    value = done.value
                else:
                    value = await _resume_within(steps, suspended, self.state_timeout)
            if not isinstance(value, MaintenanceState):
                raise TypeError(f"get_state() returned {type(value).__name__}")
        except Exception as exc:
            assumed = self._last_state
            self._read_failed(backend, exc, assumed.on)
            return assumed
        if self._unreadable and id(backend) in self._unreadable:
            self._read_again(backend)
        self._last_state = value
        return value

    def _read_failed(self, backend: BaseStateBackend, exc: Exception, assumed: bool) -> None:
        """Log, once per outage, that the state cannot be read and what is assumed."""
        cause = "timed out" if isinstance(exc, TimeoutError) else repr(exc)
        self._unreadable.add(id(backend))
        self._problems.report(
            f"state:{id(backend)}",
            "cannot read maintenance state from %s (%s); assuming %s until it answers",
            backend.describe(),
            cause,
            "on" if assumed else "off",
        )

    def _read_again(self, backend: BaseStateBackend) -> None:
        """Log, once, that a backend whose reads failed answers again."""
        self._unreadable.discard(id(backend))
        self._problems.resolved(
            f"state:{id(backend)}",
            "maintenance state from %s is readable again",
            backend.describe(),
        )

    def _default_backend(self) -> BaseStateBackend:
        """The default backend, or, if it cannot be built, one that answers on.

        Startup already refuses a broken default; this covers servers run without lifespan.
        """
        try:
            return default_backend()
        except MaintenanceError as exc:
            self._problems.report(
                "default-backend",
                "cannot build the default maintenance backend (%s); maintenance mode counts as "
                "on until it is fixed",
                redact(str(exc)),
            )
            return _UNUSABLE

    def _cache_failed(
        self, backend: BaseStateBackend, exc: Exception, method: str = "cached_value"
    ) -> None:
        """A driver broke the ``cached_value``/``cached_state`` contract: fall back to a read."""
        read = "get_state" if method == "cached_state" else "get_value"
        self._problems.report(
            f"cache:{id(backend)}",
            "%s() of %s raised %r; reading the state with %s() instead",
            method,
            backend.describe(),
            exc,
            read,
        )

    def _build_table(self, scope: Scope) -> RouteTable:
        if self._misconfigured is not None:
            self._problems.report(
                "misconfigured",
                "%s; maintenance mode counts as on until the configuration is fixed",
                self._misconfiguration(),
            )
        # Wrapping an app (even one mounted in another), resolve on its routes; added with
        # add_middleware, on the routes of the app that added it.
        wraps_app = isinstance(getattr(self.app, "routes", None), list)
        app = self.app if wraps_app else scope.get("app") or self.app
        routes = starlette_routes(app)
        if routes is None:
            # Built once: a table without routes never goes stale.
            logger.warning(
                "%s has no Starlette route table: during maintenance every path counts as a "
                "route (404 and 405 become 503) and force_maintenance_mode_on/off have no "
                "effect; keep routes up with exempt_paths or exempt_handler",
                _name_of(app),
            )
        else:
            report_unmarked_registrations(routes, app)
        table = RouteTable(routes, docs_paths_of(app), app)
        table.root_path = own_root_path(app)
        self._table = table
        return table

    # lifespan ------------------------------------------------------------------------

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Start the backend before the app starts and close it after the app stopped.

        A backend that cannot run fails the startup, so the server refuses to serve: a
        default backend that cannot be built (``FASTAPI_MAINTENANCE_BACKEND`` names no
        installed driver), or a ``start()`` raising anything but ``BackendUnavailableError``.
        A store that is only unreachable is logged and the app starts.
        """
        first = await receive()
        started: BaseStateBackend | None = None
        if first["type"] == "lifespan.startup":
            if self._misconfigured is not None:
                await _fail_startup(send, self._misconfiguration(), self._misconfigured)
            try:
                started = state.substitute or self.backend or default_backend()
            except Exception as exc:
                await _fail_startup(send, redact(str(exc)), exc)
            failure = await self._start(started)
            if failure is not None:
                await _fail_startup(send, failure)
            # Read the routes now: a misplaced force decorator is reported at startup, and
            # the first request does not pay for the table.
            self._build_table(scope)
        pending: list[Message] = [first]
        follower = None
        if started is not None:
            state.served[id(started)] = started
            follower = self._follow(started)

        async def replay_then_receive() -> Message:
            return pending.pop() if pending else await receive()

        async def close_and_send(message: Message) -> None:
            nonlocal started, follower
            if started is not None and message["type"] in (
                "lifespan.shutdown.complete",
                "lifespan.shutdown.failed",
            ):
                if follower is not None:
                    follower.cancel()
                    await asyncio.wait([follower])
                    follower = None
                if state.served.get(id(started)) is started:
                    del state.served[id(started)]
                await self._call_backend(started, "aclose")
                started = None
            await send(message)

        await self.app(scope, replay_then_receive, close_and_send)

    def _follow(self, backend: BaseStateBackend) -> asyncio.Task[None] | None:
        """For a driver that pushes changes, a task telling the plugins of each change made
        by another process (under asyncio, where such drivers run)."""
        if not backend.supports_changes or _running_loop() is None:
            return None
        return asyncio.get_running_loop().create_task(self._announce_changes(backend))

    async def _announce_changes(self, backend: BaseStateBackend) -> None:
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

    async def _start(self, backend: BaseStateBackend) -> str | None:
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
            await self._call_backend(backend, "aclose")
            cause = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return (
                f"maintenance backend {redact(backend.describe())} cannot run: start() raised "
                f"{redact(cause)}"
            )
        return None

    async def _call_backend(self, backend: BaseStateBackend, method: str) -> None:
        """Close (or start) the backend; a failure is logged, never allowed to stop the app."""
        try:
            await getattr(backend, method)()
        except Exception:
            logger.exception(
                "maintenance backend %s %s() failed", redact(backend.describe()), method
            )


class _Unusable(BaseStateBackend):
    """Stands in for a default backend that cannot be built: maintenance counts as on."""

    read_only = True

    def cached_value(self) -> bool:
        return True

    async def get_value(self) -> bool:
        return True

    async def set_value(self, value: bool) -> None:
        return None

    def describe(self) -> str:
        return "no usable backend"


_UNUSABLE = _Unusable()


class _Recorded:
    """A ``receive`` that remembers its messages, so they can be received again."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._messages: list[Message] = []

    async def __call__(self) -> Message:
        message = await self._receive()
        self._messages.append(message)
        return message

    def replay(self) -> Receive:
        """A ``receive`` giving the remembered messages first, then the live ones."""
        if not self._messages:
            return self._receive
        pending = deque(self._messages)
        live = self._receive

        async def receive() -> Message:
            return pending.popleft() if pending else await live()

        return receive


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


def _in_event_loop() -> bool:
    """Whether an event loop runs this code: a server is building the app's middleware."""
    return _running_loop() is not None or _on_trio()


async def _no_body() -> Message:
    """A ``receive`` for a request whose body was read already: it is empty."""
    return {"type": "http.request", "body": b"", "more_body": False}


def _check_options(retry_after: object, state_timeout: object) -> None:
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0
    ):
        raise ValueError(
            f"retry_after must be a whole number of seconds >= 0, or None; got {retry_after!r}"
        )
    if isinstance(state_timeout, bool) or not (
        isinstance(state_timeout, (int, float)) and state_timeout > 0
    ):
        raise ValueError(f"state_timeout must be a number of seconds > 0; got {state_timeout!r}")


def _checked_page(page: object) -> MaintenancePage | None:
    if page is not None and not isinstance(page, MaintenancePage):
        raise TypeError(
            "page must be a MaintenancePage (from fastapi_maintenance import MaintenancePage) "
            f"or None; got {type(page).__name__}"
        )
    return page


def _on_trio() -> bool:
    """Whether this code runs in a trio event loop (trio is never imported for the check)."""
    trio = sys.modules.get("trio")
    if trio is None:
        return False
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return False
    return True


def _as_denial(send: Send) -> Send:
    """A ``send`` that turns an HTTP response into a WebSocket denial response."""

    async def send_denial(message: Message) -> None:
        kind = message["type"]
        await send(
            {**message, "type": f"websocket.{kind}"} if kind.startswith("http.") else message
        )

    return send_denial


def _announcing(send: Send, scheduled: MaintenanceState) -> Send:
    """A ``send`` adding ``X-Maintenance-Scheduled: <start>`` to the response's headers."""
    assert scheduled.starts_at is not None
    header = (SCHEDULED_HEADER.lower().encode(), scheduled.starts_at.isoformat().encode())

    async def send_announcing(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), header]}
        await send(message)

    return send_announcing


def _maintenance_close(code: int) -> Message:
    return {"type": "websocket.close", "code": code, "reason": "maintenance"}


def _name_of(app: object) -> str:
    name = getattr(app, "__qualname__", None) or type(app).__qualname__
    return f"the app {name!r}"


async def _call(handler: Callable[[Any], Any], argument: Any) -> Any:
    """Call a sync function, an async function or an object with an async ``__call__``."""
    result = handler(argument)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _resume_within(steps: _Steps, suspended: Any, seconds: float) -> Any:
    """Finish an asyncio read that suspended, raising ``TimeoutError`` after ``seconds``.

    Like ``asyncio.timeout``, but armed after the read started: a timer, not a scope, so
    cancel scopes the read itself opened stay properly nested.
    """
    task = asyncio.current_task()
    if task is None:  # pragma: no cover - awaited outside any task
        raise RuntimeError("maintenance state read outside an asyncio task")
    cancelling = _cancelling(task)
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    timer = asyncio.get_running_loop().call_later(seconds, expire)
    try:
        return await _resume(steps, suspended)
    except asyncio.CancelledError:
        if expired:
            expired = False
            if _uncancel(task) <= cancelling:
                raise TimeoutError from None
        raise
    finally:
        timer.cancel()
        if expired:  # the read turned its cancellation into an answer or another error
            _uncancel(task)


async def _within_scope(steps: _Steps, seconds: float) -> Any:
    """Await a read under trio (or another anyio backend): in a cancel scope that is opened
    before the read starts, so it encloses the read's own scopes, and given a deadline only
    when the read suspends."""
    with anyio.CancelScope() as scope:
        try:
            suspended = steps.send(None)
        except StopIteration as done:
            return done.value
        scope.deadline = anyio.current_time() + seconds
        return await _resume(steps, suspended)
    raise TimeoutError


@types.coroutine
def _resume(steps: _Steps, suspended: Any) -> Generator[Any, Any, Any]:
    """Go on with a read stepped once by hand, which yielded ``suspended`` to the event loop.

    What the event loop sends or throws in is passed on to the read, as ``await`` would.
    """
    while True:
        try:
            sent = yield suspended
        except GeneratorExit:
            steps.close()
            raise
        except BaseException as exc:  # a cancellation, or anything else thrown in
            try:
                suspended = steps.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                suspended = steps.send(sent)
            except StopIteration as done:
                return done.value


def _cancelling(task: asyncio.Task[Any]) -> int:
    """Pending cancellation requests of ``task`` (Python 3.11+; 0 before)."""
    counter = getattr(task, "cancelling", None)
    return counter() if counter is not None else 0


def _uncancel(task: asyncio.Task[Any]) -> int:
    """Withdraw one cancellation request; what is left (Python 3.11+; 0 before)."""
    withdraw = getattr(task, "uncancel", None)
    return withdraw() if withdraw is not None else 0
