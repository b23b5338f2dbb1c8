"""The facts of an ASGI request the decision asks for, each read from the scope on first use."""

from __future__ import annotations

from typing import Any

from ._bypass import Bypass
from ._routes import Resolution, RouteTable, host_of, route_path

__all__ = ["ScopeFacts"]


class ScopeFacts:
    """:class:`~._decision.Facts` of one request: the route path and the route lookup are
    computed once, and only if a rule asks for them."""

    __slots__ = ("_path", "_route", "bypass", "scope", "table")

    def __init__(self, scope: Any, table: RouteTable, bypass: Bypass | None) -> None:
        self.scope = scope
        self.table = table
        self.bypass = bypass
        self._path: str | None = None
        self._route: Resolution | None = None

    @property
    def websocket(self) -> bool:
        return bool(self.scope["type"] == "websocket")

    @property
    def method(self) -> str | None:
        method: str | None = self.scope.get("method")
        return method

    @property
    def path(self) -> str:
        path = self._path
        if path is None:
            scope = self.scope
            root = self.table.root_path
            path = route_path(scope, root) if root or scope.get("root_path") else scope["path"]
            self._path = path
        return path

    @property
    def route(self) -> Resolution:
        route = self._route
        if route is None:
            table = self.table
            host = host_of(self.scope) if table.uses_host else ""
            route = table.resolve(self.websocket, self.method or "", self.path, host)
            self._route = route
        return route

    @property
    def may_be_forced_on(self) -> bool:
        return self.table.has_forced_on and self.table.may_be_forced_on(self.path)

    @property
    def docs(self) -> bool:
        return self.path in self.table.docs_paths

    @property
    def link_post(self) -> bool:
        bypass = self.bypass
        return bypass is not None and bypass.is_link_post(self.scope)
