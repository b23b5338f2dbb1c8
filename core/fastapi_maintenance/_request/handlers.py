"""Calling the application's handlers: ``exempt_handler`` and ``response_handler``."""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from .._support.logonce import Problems

__all__ = ["ExemptHandler", "ResponseHandler", "call", "is_exempt"]

ExemptHandler = Callable[[Any], bool | Awaitable[bool]]
ResponseHandler = Callable[[Any], Response | Awaitable[Response]]


async def call(handler: Callable[[Any], Any], argument: Any) -> Any:
    """Call a sync function, an async function or an object with an async ``__call__``."""
    result = handler(argument)
    if inspect.isawaitable(result):
        result = await result
    return result


async def is_exempt(
    handler: ExemptHandler, problems: Problems, scope: Scope, receive: Receive, send: Send
) -> tuple[bool, Receive]:
    """Whether ``handler`` lets the request through, and the ``receive`` to pass on: the
    handler may read the body, which the app or the response handler reads again. A
    handler that raises lets nobody through, logged once."""
    recorded = _Recorded(receive)
    connection: HTTPConnection = (
        WebSocket(scope, recorded, send)
        if scope["type"] == "websocket"
        else Request(scope, recorded)
    )
    try:
        exempt = bool(await call(handler, connection))
    except Exception as exc:
        problems.report(
            f"exempt:{type(exc).__name__}",
            "exempt_handler raised %r; the request is treated as not exempt",
            exc,
            exc_info=True,
        )
        exempt = False
    return exempt, recorded.replay()


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
