"""The default maintenance responses, rendered once per state and kept.

The body and headers of the default 503 change only when the state, its ``Retry-After``
second, the kind (page or JSON), the page's branding or the bypass link do; a blocked
request sends the kept bytes instead of building a response.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import Send

from .._model.model import MaintenanceState
from ..responses import STATE_SCOPE_KEY, _respond, retry_after_for, wants_html
from .link_script import LINK_SCOPE_KEY, bypass_link_script
from .page import PAGE_SCOPE_KEY, MaintenancePage

__all__ = ["RenderedResponses"]

#: Responses kept at most; a full cache starts again (states change rarely).
_KEPT = 64

_Rendered = tuple[list[tuple[bytes, bytes]], bytes]


class RenderedResponses:
    """The default responses a middleware sent, by what they depend on."""

    def __init__(self) -> None:
        #: key -> (the state and page it was made for, held so their ids stay theirs; parts)
        self._kept: dict[tuple[Any, ...], tuple[object, object, _Rendered]] = {}

    async def send(self, request: Request, retry_after: int | None, send: Send) -> None:
        """Send the default maintenance response to ``request``."""
        scope = request.scope
        state = scope.get(STATE_SCOPE_KEY)
        if not isinstance(state, MaintenanceState):
            state = None
        page = scope.get(PAGE_SCOPE_KEY)
        if not isinstance(page, MaintenancePage):
            page = None
        seconds = retry_after_for(state, retry_after)
        html = wants_html(request)
        key = (id(state), id(page), seconds, html, scope.get(LINK_SCOPE_KEY))
        kept = self._kept.get(key)
        if kept is not None and kept[0] is state and kept[1] is page:
            headers, body = kept[2]
        else:
            response = _respond(html, state, seconds, page, bypass_link_script(request))
            headers, body = response.raw_headers, bytes(response.body)
            if len(self._kept) >= _KEPT:
                self._kept.clear()
            self._kept[key] = (state, page, (headers, body))
        # A copy: middleware further out may add to the list of the message it is given.
        await send({"type": "http.response.start", "status": 503, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})
