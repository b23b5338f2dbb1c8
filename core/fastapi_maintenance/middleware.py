"""``MaintenanceModeMiddleware``: a pure ASGI middleware that answers 503 during maintenance.

It is the ASGI adapter of the decision (``_request.decision``): it reads the cached state,
hands the decision the request's facts, and carries out what it decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._model.backend import BaseStateBackend
from ._model.errors import MaintenanceError
from ._model.model import OFF, ON, MaintenanceState
from ._model.paths import PathPatterns
from ._model.selectors import check_name
from ._request.bypass import Bypass, bypass_from, log_through
from ._request.decision import Rules, Strip, Verdict, decide, held_state
from ._request.facts import ScopeFacts, route_path_of
from ._request.handlers import ExemptHandler, ResponseHandler, is_exempt
from ._request.layers import warn_if_wrapping_cors
from ._request.lifespan import Misconfiguration, run_lifespan
from ._request.link_script import LINK_SCOPE_KEY
from ._request.loops import in_event_loop
from ._request.page import MaintenancePage
from ._request.reading import StateReader
from ._request.refusal import Refusal
from ._request.routes import (
    RouteTable,
    docs_paths_of,
    own_root_path,
    report_unmarked_registrations,
    starlette_routes,
)
from ._request.scoping import host_header
from ._state.api import BackendSpec, resolve_backend
from ._state.state import remember_app_backend, state
from ._support.environ import listed, setting, variable_of
from ._support.logonce import Problems
from .responses import DEFAULT_RETRY_AFTER, STATE_SCOPE_KEY

__all__ = ["MaintenanceModeMiddleware"]

logger = logging.getLogger("fastapi_maintenance")

# Enum members read through module globals: on Python 3.11 a class attribute costs 4 times more.
_BLOCK, _LINK, _HEADER = Verdict.BLOCK, Verdict.LINK, Strip.HEADER

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

    Scopes stored in the state put only the requests they select in maintenance; ``service``
    (else ``FASTAPI_MAINTENANCE_SERVICE``) names this app for the scopes that select by
    service. A route marked ``allow_in_read_only`` takes writes in read-only maintenance.

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
        service: str | None = None,
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
        self._misconfigured: Misconfiguration | None = None
        #: The service this app is (``service``, else its variable), for scopes selecting by it.
        self.service: str | None = None
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
            self.service = _service_from(service)
            self.backend = resolve_backend(backend, backend_options)
        except (ValueError, TypeError, MaintenanceError) as exc:
            if not in_event_loop():
                raise  # built at import: the app does not load, under any server
            # Fail closed where no startup can fail (a server run without lifespan).
            self._misconfigured = Misconfiguration(exc)
            self.enable_maintenance = True
            self.retry_after, self.response_handler, self.page = DEFAULT_RETRY_AFTER, None, None
        self._problems = Problems()
        #: The options the decision reads.
        self._rules = Rules(
            paths=self._paths,
            bypass=self._bypass,
            exempt_handler=self.exempt_handler is not None,
            announce_schedule=self.announce_schedule,
            problems=self._problems,
            service=self.service,
        )
        warn_if_wrapping_cors(app)
        if self.backend is not None:
            remember_app_backend(self.backend)
        self._table: RouteTable | None = None
        self._reader = StateReader(state_timeout, self._problems)
        self._refusal = Refusal(self.retry_after, self.response_handler, self.page, self._problems)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            if kind == "lifespan":
                await run_lifespan(
                    self.app,
                    scope,
                    receive,
                    send,
                    backend=self.backend,
                    misconfigured=self._misconfigured,
                    # Read the routes now: a misplaced force decorator is reported at
                    # startup, and the first request does not pay for the table.
                    started=lambda: self._build_table(scope),
                )
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
                backend = state.substitute or self.backend or self._reader.default_backend()
                if backend._serves_state:
                    try:
                        stored = backend.cached_state()
                    except Exception as exc:
                        self._reader.cache_failed(backend, exc, "cached_state")
                        stored = None
                    if stored is None:
                        stored = await self._reader.state(backend)
                    on = stored.on
                else:
                    on = None
                    if backend._caches_value:
                        try:
                            on = backend.cached_value()
                        except Exception as exc:
                            self._reader.cache_failed(backend, exc)
                    if on is None:
                        reader = self._reader
                        if backend is reader.at_once or reader.reads_at_once(backend):
                            try:  # awaited as it is: a get_value awaiting nothing cannot wait
                                on = bool(await backend.get_value())
                            except Exception as exc:
                                on = reader.value_failed(backend, exc)
                            else:
                                if reader.unreadable and id(backend) in reader.unreadable:
                                    reader.answers_again(backend)
                                reader.last_known = on
                        else:
                            read = reader.value(backend)
                            on = read if type(read) is bool else await read
        facts = None
        if not on:
            # Only a route forced on, or a scope, could block: the decision is asked only if
            # one may apply.
            scopes = None if stored is None or not stored.scopes else self._rules.scope_set(stored)
            if scopes is None:
                if not table.has_forced_on:
                    await self.app(scope, receive, send)
                    return
                path = route_path_of(scope, table.root_path)
                if not table.may_be_forced_on(path):
                    await self.app(scope, receive, send)
                    return
            else:
                path = route_path_of(scope, table.root_path)
                host = host_header(scope) if scopes.uses_host else b""
                selected = scopes.kept(kind == "websocket", scope.get("method", ""), path, host)
                if selected is None:
                    facts = ScopeFacts(scope, table, self._bypass, path)
                    selected = facts.selected = scopes.selecting(facts)
                if not selected and not (table.has_forced_on and table.may_be_forced_on(path)):
                    await self.app(scope, receive, send)
                    return
                if facts is None:
                    facts = ScopeFacts(scope, table, self._bypass, path)
                    facts.selected = selected
        else:
            path = route_path_of(scope, table.root_path)  # every rule but read-only asks for it
        if stored is None:  # enable_maintenance, or a driver serving on/off only
            stored = ON if on else OFF
        if facts is None:
            facts = ScopeFacts(scope, table, self._bypass, path)
        decision = decide(self._rules, held, stored, facts)
        if decision.announce is not None:
            send = _announcing(send, decision.announce)
        if decision.state is not None:
            scope[STATE_SCOPE_KEY] = decision.state
        verdict = decision.verdict
        if verdict is _BLOCK:
            if decision.ask_handler and self.exempt_handler is not None:
                exempt, receive = await is_exempt(
                    self.exempt_handler, self._problems, scope, receive, send
                )
                if exempt:
                    await self.app(scope, receive, send)
                    return
            if decision.link is not None and scope["type"] == "http":
                # The maintenance page's script reads a link's token after '#'.
                scope[LINK_SCOPE_KEY] = decision.link
                assert self._bypass is not None
                self._bypass.note_query_token(scope)
            await self._refusal(scope, receive, send)
            return
        if verdict is _LINK:
            await self._answer_link(facts.path, scope, receive, send)
            return
        through = decision.through
        if through is not None:
            # The app never sees the token that let the request through.
            strip = through.strip
            if strip is not None and self._bypass is not None:
                if strip is _HEADER:
                    self._bypass.strip_header(scope)
                else:
                    self._bypass.strip_cookie(scope)
            if logger.isEnabledFor(logging.DEBUG):
                log_through(scope, path, through.rule, *through.args)
        await self.app(scope, receive, send)

    async def _answer_link(self, path: str, scope: Scope, receive: Receive, send: Send) -> None:
        """The POST a bypass link makes holds a token: answered here on any path, never
        passed on; without a valid token, blocked (the body is not read again)."""
        bypass = self._bypass
        if bypass is None or not await bypass.answer_link(scope, receive, send, path):
            await self._refusal(scope, _no_body, send)

    def _build_table(self, scope: Scope) -> RouteTable:
        if self._misconfigured is not None:
            self._problems.report(
                "misconfigured",
                "%s; maintenance mode counts as on until the configuration is fixed",
                self._misconfigured,
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


async def _no_body() -> Message:
    """A ``receive`` for a request whose body was read already: it is empty."""
    return {"type": "http.request", "body": b"", "more_body": False}


def _service_from(given: object) -> str | None:
    """The ``service`` option, else its variable; checked as a scope's service names are."""
    variable = variable_of("service")
    value = given if given is not None else setting(variable)
    if value is None:
        return None
    return check_name(value, "service" if given is not None else variable)


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


def _announcing(send: Send, scheduled: MaintenanceState) -> Send:
    """A ``send`` adding ``X-Maintenance-Scheduled: <start>`` to the response's headers."""
    assert scheduled.starts_at is not None
    header = (SCHEDULED_HEADER.lower().encode(), scheduled.starts_at.isoformat().encode())

    async def send_announcing(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), header]}
        await send(message)

    return send_announcing


def _name_of(app: object) -> str:
    name = getattr(app, "__qualname__", None) or type(app).__qualname__
    return f"the app {name!r}"
