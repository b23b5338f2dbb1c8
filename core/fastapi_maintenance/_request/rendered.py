"""The default maintenance responses, rendered once per state and kept.

The body and headers of the default 503 change only when the state, its ``Retry-After``
second, the kind (page or JSON), the page's branding or the bypass link do; a blocked
request sends the kept bytes instead of building a response.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import Scope, Send

from .._model.model import MaintenanceState
from ..responses import STATE_SCOPE_KEY, _respond, accept_of, prefers_html, retry_after_for
from .link_script import LINK_SCOPE_KEY, bypass_link_script
from .page import MaintenancePage

__all__ = ["RenderedResponses"]

#: Responses kept at most; a full cache starts again (states change rarely).
_KEPT = 64
#: ``Accept`` values whose preference is kept, at most, and the longest kept: clients send
#: a few distinct ones, and a long one is parsed each time within its bounds.
_ACCEPTS_KEPT = 64
_ACCEPT_KEPT_LENGTH = 512

_Rendered = tuple[list[tuple[bytes, bytes]], bytes]
#: Stands for "no response sent yet", which no state in a scope is.
_NOTHING = object()


class RenderedResponses:
    """The default responses one middleware sends, by what they depend on: its ``page`` and
    ``retry_after`` are fixed, the state, the ``Accept`` header and the bypass link vary."""

    def __init__(self, retry_after: int | None, page: MaintenancePage | None = None) -> None:
        self.retry_after = retry_after
        self.page = page
        #: key -> (the state it was made for, held so its id stays its own; parts)
        self._kept: dict[tuple[Any, ...], tuple[object, _Rendered]] = {}
        #: ``Accept`` value -> whether it prefers the page
        self._html: dict[bytes, bool] = {}
        #: The last response sent for a state without an end: (state, accept, link, parts).
        self._last: tuple[object, bytes, object, _Rendered] = (_NOTHING, b"", None, ([], b""))

    async def send(self, scope: Scope, send: Send) -> None:
        """Send the default maintenance response to the request of ``scope``."""
        state = scope.get(STATE_SCOPE_KEY)
        accept = accept_of(scope)
        link = scope.get(LINK_SCOPE_KEY)
        last = self._last
        if last[0] is state and last[1] == accept and last[2] == link:
            headers, body = last[3]
        else:
            headers, body = self._rendered(state, accept, link, scope)
        # A copy: middleware further out may add to the list of the message it is given.
        await send({"type": "http.response.start", "status": 503, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})

    def _rendered(self, state: object, accept: bytes, link: object, scope: Scope) -> _Rendered:
        if not isinstance(state, MaintenanceState):
            state = None
        seconds = retry_after_for(state, self.retry_after)
        html = self._html.get(accept)
        if html is None:
            html = prefers_html(accept)
            if len(accept) <= _ACCEPT_KEPT_LENGTH:
                if len(self._html) >= _ACCEPTS_KEPT:
                    self._html.clear()
                self._html[accept] = html
        key = (id(state), seconds, html, link)
        kept = self._kept.get(key)
        if kept is not None and kept[0] is state:
            rendered = kept[1]
        else:
            script = bypass_link_script(Request(scope))
            response = _respond(html, state, seconds, self.page, script)
            rendered = (response.raw_headers, bytes(response.body))
            if len(self._kept) >= _KEPT:
                self._kept.clear()
            self._kept[key] = (state, rendered)
        if state is None or state.ends_at is None:  # else Retry-After counts down
            self._last = (scope.get(STATE_SCOPE_KEY), accept, link, rendered)
        return rendered
