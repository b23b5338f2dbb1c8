"""Which maintenance scopes select a request: the scopes of a state that can reach this app,
compiled once per state, and their answer kept per request shape.

A scope selects a request when every kind of selector it has matches (paths on the route
path, methods, the route's tags, the host, the app's service); which of those is in force
now (its window, read-only) is the decision's to say.
"""

from __future__ import annotations

from typing import Any, Protocol

from .._model.model import MaintenanceScope, MaintenanceState
from .routes import Resolution

__all__ = ["ScopeSet", "Shape", "host_header", "host_name", "scope_set_of"]

#: Request shapes whose selected scopes are kept, per state; and the longest key kept.
_CACHE_SIZE = 4096
_CACHED_KEY_LIMIT = 512
_NONE: tuple[MaintenanceScope, ...] = ()


class Shape(Protocol):
    """What scopes select a request by (``decision.Facts`` gives it)."""

    @property
    def websocket(self) -> bool: ...

    @property
    def method(self) -> str | None: ...

    @property
    def path(self) -> str: ...

    @property
    def host(self) -> bytes: ...

    @property
    def route(self) -> Resolution: ...


class ScopeSet:
    """The scopes of one state that can select this app's requests (its service's)."""

    __slots__ = ("_selected", "scopes", "uses_host")

    def __init__(self, scopes: tuple[MaintenanceScope, ...]) -> None:
        self.scopes = scopes
        #: Whether a scope selects by host, so the request's host is part of its shape.
        self.uses_host = any(scope.host_set is not None for scope in scopes)
        self._selected: dict[tuple[bool, str, str, bytes], tuple[MaintenanceScope, ...]] = {}

    def kept(
        self, websocket: bool, method: str, path: str, host: bytes
    ) -> tuple[MaintenanceScope, ...] | None:
        """The scopes selecting a request of this shape if known already, else ``None``
        (``host``, the ``Host`` header as sent, counts only if ``uses_host``: give ``b""``
        otherwise)."""
        return self._selected.get((websocket, method, path, host))

    def selecting(self, request: Shape) -> tuple[MaintenanceScope, ...]:
        """The scopes selecting a request, in name order. Its host is read only if a scope
        selects by host, its route only if one selects by tag and the answer is not kept."""
        websocket, method, path = request.websocket, request.method or "", request.path
        host = request.host if self.uses_host else b""
        key = (websocket, method, path, host)
        selected = self._selected.get(key)
        if selected is None:
            selected = self._select(websocket, method, path, host, request)
            if len(path) + len(host) + len(method) <= _CACHED_KEY_LIMIT:
                if len(self._selected) >= _CACHE_SIZE:
                    self._selected.clear()
                self._selected[key] = selected
        return selected

    def _select(
        self,
        websocket: bool,
        method: str,
        path: str,
        host: bytes,
        request: Shape,
    ) -> tuple[MaintenanceScope, ...]:
        tags: frozenset[str] | None = None
        name = host_name(host) if self.uses_host else ""
        selected = []
        for scope in self.scopes:
            methods = scope.method_set
            if methods is not None and (websocket or method not in methods):
                continue  # a WebSocket has no method
            patterns = scope.path_patterns
            if patterns is not None and patterns.match(path) is None:
                continue
            hosts = scope.host_set
            if hosts is not None and name not in hosts:
                continue
            wanted = scope.tag_set
            if wanted is not None:
                if tags is None:
                    tags = request.route.tags
                if wanted.isdisjoint(tags):
                    continue
            selected.append(scope)
        return tuple(selected) if selected else _NONE


def scope_set_of(state: MaintenanceState, service: str | None) -> ScopeSet | None:
    """The scopes of ``state`` that can select the requests of an app named ``service``:
    those without a service selector, and those listing it; ``None`` if there are none."""
    scopes = tuple(
        scope
        for scope in state.scopes
        if scope.service_set is None or (service is not None and service in scope.service_set)
    )
    return ScopeSet(scopes) if scopes else None


def host_header(scope: Any) -> bytes:
    """The request's ``Host`` header as sent; empty without one."""
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return bytes(value)
    return b""


def host_name(header: bytes) -> str:
    """The host name scopes select by: the ``Host`` header lower-cased, without the port."""
    host = header.decode("latin-1").lower()
    if host.startswith("["):  # an IPv6 address: [2001:db8::1]:8000
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.partition(":")[0]
