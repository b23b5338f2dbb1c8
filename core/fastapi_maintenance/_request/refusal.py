"""Refusing a request during maintenance: the 503 (the ``response_handler``'s, else the
default one rendered once per state) or, for a WebSocket, a close with 1013."""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from .._model.model import ON
from .._state.state import state
from .._support.logonce import Problems
from ..responses import STATE_SCOPE_KEY, maintenance_response
from .handlers import ResponseHandler, call
from .loops import on_trio
from .page import PAGE_SCOPE_KEY, MaintenancePage
from .rendered import RenderedResponses

__all__ = ["WS_TRY_AGAIN_LATER", "WS_TRY_AGAIN_LATER_PRIVATE", "Refusal"]

logger = logging.getLogger("fastapi_maintenance")

#: WebSocket close code 1013, "Try Again Later".
WS_TRY_AGAIN_LATER = 1013
#: The same in the private-use range, for servers that refuse 1013 (daphne: 1000, 3000-4999).
WS_TRY_AGAIN_LATER_PRIVATE = 4013


class Refusal:
    """How one middleware refuses: its ``retry_after``, ``response_handler`` and ``page``."""

    def __init__(
        self,
        retry_after: int | None,
        response_handler: ResponseHandler | None,
        page: MaintenancePage | None,
        problems: Problems,
    ) -> None:
        self.retry_after = retry_after
        self.response_handler = response_handler
        self.page = page
        self._problems = problems
        self._rendered = RenderedResponses(retry_after, page)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer with the maintenance response (or refuse the WebSocket); tell the plugins."""
        try:
            if scope["type"] == "websocket":
                await self._refuse_websocket(scope, receive, send)
            elif self.response_handler is None:
                await self._rendered.send(scope, send)
            else:
                response = await self._response(Request(scope, receive))
                if response is None:
                    await self._rendered.send(scope, send)
                else:
                    await response(scope, receive, send)
        except (OSError, ClientDisconnect):
            logger.debug("the client left before the maintenance response was sent")
        plugins = state.plugins
        if plugins.blocked_hooks != ():
            plugins.notify_blocked(scope, scope.get(STATE_SCOPE_KEY) or ON)

    async def _response(self, request: Request) -> Response | None:
        """The response handler's response; ``None`` for the default one."""
        if self.page is not None:
            request.scope[PAGE_SCOPE_KEY] = self.page
        if self.response_handler is not None:
            try:
                response = await call(self.response_handler, request)
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
        if "websocket.http.response" in scope.get("extensions", {}) and on_trio():
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


def _as_denial(send: Send) -> Send:
    """A ``send`` that turns an HTTP response into a WebSocket denial response."""

    async def send_denial(message: Message) -> None:
        kind = message["type"]
        await send(
            {**message, "type": f"websocket.{kind}"} if kind.startswith("http.") else message
        )

    return send_denial


def _maintenance_close(code: int) -> Message:
    return {"type": "websocket.close", "code": code, "reason": "maintenance"}
