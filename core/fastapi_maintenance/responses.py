"""The default maintenance response: JSON for API clients, a page for browsers."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response

from ._model.model import MaintenanceState
from ._request.link_script import bypass_link_script
from ._request.page import PAGE_SCOPE_KEY, TEMPLATE_VARIABLES, MaintenancePage, render
from ._support import clock as _clock

if TYPE_CHECKING:
    from ._request.openapi import MAINTENANCE_RESPONSES, MaintenanceBody, MaintenanceDetails

__all__ = [
    "DEFAULT_DETAIL",
    "DEFAULT_RETRY_AFTER",
    "MAINTENANCE_RESPONSES",
    "STATE_SCOPE_KEY",
    "TEMPLATE_VARIABLES",
    "MaintenanceBody",
    "MaintenanceDetails",
    "MaintenancePage",
    "bypass_link_script",
    "maintenance_response",
    "retry_after_for",
    "wants_html",
]

DEFAULT_DETAIL = "Service temporarily unavailable due to maintenance"
DEFAULT_RETRY_AFTER = 3600
#: The scope key under which the middleware puts the ``MaintenanceState`` of a request
#: it answers (``request.scope[STATE_SCOPE_KEY]``), for response handlers.
STATE_SCOPE_KEY = "fastapi_maintenance.state"
#: The OpenAPI names, defined with pydantic, which the middleware itself never imports.
_OPENAPI_NAMES = frozenset({"MAINTENANCE_RESPONSES", "MaintenanceBody", "MaintenanceDetails"})


def __getattr__(name: str) -> Any:
    """Import the OpenAPI names the first time one is asked for."""
    if name not in _OPENAPI_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._request import openapi as _openapi

    value = getattr(_openapi, name)
    globals()[name] = value
    return value


#: How much of an ``Accept`` header is read: its first ranges, within its first characters.
#: Browsers send under 10 ranges in a few hundred characters; reading no further keeps the
#: cost of a hostile header from growing with its size.
ACCEPT_LIMIT = 1024
ACCEPT_RANGES = 16
_NO_MATCH = (-1, 0.0, 0)


def wants_html(request: HTTPConnection) -> bool:
    """A browser navigation: ``Accept`` prefers ``text/html`` to JSON (q-values, then order).

    Only the first ``ACCEPT_RANGES`` media ranges within the first
    ``ACCEPT_LIMIT`` characters count.
    """
    return prefers_html(accept_of(request.scope))


def accept_of(scope: Any) -> bytes:
    """The request's first ``Accept`` header, as sent; empty without one."""
    for key, value in scope.get("headers", ()):
        if key == b"accept":
            return bytes(value)
    return b""


def prefers_html(accept: bytes) -> bool:
    """Whether an ``Accept`` header's value prefers ``text/html`` to JSON (``wants_html``)."""
    if len(accept) > ACCEPT_LIMIT:
        accept = accept[: ACCEPT_LIMIT + 1]
        accept = accept[: max(accept.rfind(b","), 0)]
    if b"text/" not in accept.lower():
        return False
    ranges = accept.decode("latin-1").lower().split(",", ACCEPT_RANGES)
    # (specificity, q, -position) of the most specific range matching each type.
    html = json = _NO_MATCH
    for position, part in enumerate(ranges[:ACCEPT_RANGES]):
        media, _, params = part.partition(";")
        media = media.strip()
        if media == "text/html" or media == "text/*":
            specificity = 2 if media == "text/html" else 1
            if specificity > html[0]:
                html = (specificity, _q(params), -position)
        elif media == "application/json" or media == "application/*":
            specificity = 2 if media == "application/json" else 1
            if specificity > json[0]:
                json = (specificity, _q(params), -position)
        elif media == "*/*" and (html[0] < 0 or json[0] < 0):
            anything = (0, _q(params), -position)
            html = anything if html[0] < 0 else html
            json = anything if json[0] < 0 else json
    return _rank(html) > _rank(json)


def _q(params: str) -> float:
    """The ``q`` parameter of a media range; malformed or outside 0..1 counts as 0."""
    q = 1.0
    if not params:
        return q
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
            if not 0.0 <= q <= 1.0:
                q = 0.0
    return q


def _rank(match: tuple[int, float, int]) -> tuple[float, int]:
    return (match[1], match[2]) if match[0] >= 0 else (0.0, 0)


def maintenance_response(
    request: HTTPConnection,
    retry_after: int | None = DEFAULT_RETRY_AFTER,
    detail: str = DEFAULT_DETAIL,
    *,
    state: MaintenanceState | None = None,
    page: MaintenancePage | None = None,
) -> Response:
    """503 with ``{"detail": ...}`` (or an HTML page for browsers).

    For a state that is only on (or none), the body is fastapi-maintenance 0.0.5's, byte for
    byte; a state with a message, a window, read-only or allow-lists adds the ``maintenance``
    object that spells them out. ``state`` defaults to the one the middleware put in the
    request's scope (under ``STATE_SCOPE_KEY``), so a response handler calling this
    gets the state's message as ``detail`` (unless it passes another) and a ``Retry-After``
    counted to the state's end. Without an end, ``retry_after`` is sent (``None``: no header).

    ``page`` brands the page browsers get; it defaults to the middleware's ``page`` option.
    """
    if state is None:
        found = request.scope.get(STATE_SCOPE_KEY)
        state = found if isinstance(found, MaintenanceState) else None
    if page is None:
        configured = request.scope.get(PAGE_SCOPE_KEY)
        page = configured if isinstance(configured, MaintenancePage) else None
    elif not isinstance(page, MaintenancePage):
        raise TypeError(f"page must be a MaintenancePage or None; got {type(page).__name__}")
    seconds = retry_after_for(state, retry_after)
    script = bypass_link_script(request)
    return _respond(wants_html(request), state, seconds, page, script, detail)


def _respond(
    html: bool,
    state: MaintenanceState | None,
    seconds: int | None,
    page: MaintenancePage | None,
    script: str,
    detail: str = DEFAULT_DETAIL,
) -> Response:
    """The 503 itself: the page (``html``) or the JSON body, with ``Retry-After: seconds``."""
    headers = {"Retry-After": str(seconds)} if seconds is not None else {}
    headers["Cache-Control"] = "no-store"
    message = state.message if state is not None else None
    if message is not None and detail == DEFAULT_DETAIL:
        detail = message
    if html:
        return HTMLResponse(
            render(page, detail, seconds, state, script), status_code=503, headers=headers
        )
    body: dict[str, Any] = {"detail": detail}
    if state is not None and (state.has_details or state.scope_name is not None):
        body["maintenance"] = _fields(state, seconds)
    return JSONResponse(body, status_code=503, headers=headers)


def retry_after_for(
    state: MaintenanceState | None, default: int | None, now: float | None = None
) -> int | None:
    """``Retry-After`` in seconds: the time left until the state's end, rounded up and at
    least 1, when it has one; ``default`` otherwise. ``now`` is a POSIX timestamp."""
    if state is None or state.ends_at is None:
        return default
    left = state.seconds_left_at(_clock.now() if now is None else now)
    return default if left is None else max(1, math.ceil(left))


def _fields(state: MaintenanceState, seconds: int | None) -> dict[str, Any]:
    """The machine-readable ``maintenance`` object of the JSON body (ISO 8601, UTC), sent
    only for a state that says more than 0.0.5's on and off could; ``scope`` names the
    maintenance scope that blocked the request, if one did."""
    fields = {
        "read_only": state.read_only,
        "message": state.message,
        "starts_at": _iso(state.starts_at),
        "ends_at": _iso(state.ends_at),
        "retry_after": seconds,
    }
    if state.scope_name is not None:
        fields["scope"] = state.scope_name
    return fields


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).isoformat()
