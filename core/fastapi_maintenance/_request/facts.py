"""The facts of an ASGI request the decision asks for, each read from the scope on first use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._model.clients import Address
from .._model.model import MaintenanceScope
from .bypass import STORED_ONLY, Bypass
from .routes import Resolution, RouteTable, host_of, route_path
from .scoping import host_header

__all__ = ["ScopeFacts", "route_path_of"]


def route_path_of(scope: Any, root: str) -> str:
    """The path the router matches on; ``root`` is the app's own ``root_path``."""
    if root or scope.get("root_path"):
        return route_path(scope, root)
    path: str = scope["path"]
    return path


class ScopeFacts:
    """``decision.Facts`` of one request: the route path and the route lookup are
    computed once, and only if a rule asks for them."""

    __slots__ = ("_path", "_route", "bypass", "scope", "selected", "table")

    def __init__(
        self, scope: Any, table: RouteTable, bypass: Bypass | None, path: str | None = None
    ) -> None:
        self.scope = scope
        self.table = table
        self.bypass = bypass
        #: The route path, if the middleware already computed it.
        self._path = path
        self._route: Resolution | None = None
        #: The scopes selecting the request, if the middleware looked them up already.
        self.selected: tuple[MaintenanceScope, ...] | None = None

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
            path = self._path = route_path_of(self.scope, self.table.root_path)
        return path

    @property
    def route(self) -> Resolution:
        route = self._route
        if route is None:
            scope, table = self.scope, self.table
            host = host_of(scope) if table.uses_host else ""
            websocket = scope["type"] == "websocket"
            route = table.resolve(websocket, scope.get("method", ""), self.path, host)
            self._route = route
        return route

    @property
    def may_be_forced_on(self) -> bool:
        path = self._path
        table = self.table
        return table.has_forced_on and table.may_be_forced_on(self.path if path is None else path)

    @property
    def docs(self) -> bool:
        path = self._path
        return (self.path if path is None else path) in self.table.docs_paths

    @property
    def link_post(self) -> bool:
        bypass = self.bypass
        return bypass is not None and bypass.is_link_post(self.scope)

    @property
    def client(self) -> Address | None:
        return (self.bypass or STORED_ONLY).clients.client(self.scope)

    @property
    def bypass_headers(self) -> Iterable[bytes]:
        bypass = self.bypass
        return () if bypass is None else bypass.header_values(self.scope)

    @property
    def bypass_cookies(self) -> Iterable[bytes | None]:
        bypass = self.bypass
        return () if bypass is None else bypass.cookie_values(self.scope)

    @property
    def host(self) -> bytes:
        return host_header(self.scope)
