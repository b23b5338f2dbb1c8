"""A flat, cached view of an app's routes: does a request hit a route, and is it forced?

Built once per set of routes, it mirrors how Starlette's router picks a route (first
full match wins, a path match with the wrong method means 405, a matching ``Mount`` or
``Host`` hands over to its children) without running any endpoint.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from starlette.routing import BaseRoute, Host, Match, Mount, Route, WebSocketRoute, compile_path

from .decorators import forced_state

DOCS_PATHS = ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")
_DOCS_ATTRS = ("docs_url", "redoc_url", "openapi_url", "swagger_ui_oauth2_redirect_url")
_CACHE_SIZE = 4096


class Outcome(enum.Enum):
    FOUND = "found"
    WRONG_METHOD = "wrong method"
    NOT_FOUND = "not found"


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    #: ``True``/``False`` when the matched endpoint is forced on/off, else ``None``.
    forced: bool | None = None


_NOT_FOUND = Resolution(Outcome.NOT_FOUND)
_WRONG_METHOD = Resolution(Outcome.WRONG_METHOD)
_FOUND = Resolution(Outcome.FOUND)


@dataclass(frozen=True)
class _Endpoint:
    regex: re.Pattern[str]
    methods: frozenset[str] | None
    websocket: bool
    forced: bool | None


@dataclass(frozen=True)
class _Branch:
    """A ``Mount`` (by path) or ``Host`` (by host); ``children`` is ``None`` for an opaque app."""

    regex: re.Pattern[str]
    by_host: bool
    children: tuple[_Node, ...] | None


@dataclass(frozen=True)
class _Opaque:
    """A route type we do not know: ask the route itself."""

    route: Any
    #: Whether the route may lead to a forced endpoint (unknown routes may; fallbacks not).
    forcible: bool = True


_Node = _Endpoint | _Branch | _Opaque


def _effective_routes(routes: Sequence[Any]) -> Iterator[Any]:
    """Each route as it is really matched, with included routers' prefixes applied.

    FastAPI 0.137 and newer keep included routers lazy and expose their effective routes
    through ``iter_route_contexts``; older versions already flatten them into ``routes``.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        yield from routes
        return
    yield from iter_route_contexts(routes)


def _original(route: Any) -> Any:
    return getattr(route, "original_route", route)


class _Builder:
    """Builds the nodes of an app and remembers every route list it read, to spot changes."""

    def __init__(self) -> None:
        self.watched: list[tuple[Sequence[Any], int]] = []
        #: Documentation URLs of mounted FastAPI apps, with their mount prefix.
        self.mounted_docs: list[str] = []
        self._seen: set[int] = set()

    def _watch(self, routes: Sequence[Any]) -> None:
        if id(routes) in self._seen:
            return
        self._seen.add(id(routes))
        self.watched.append((routes, len(routes)))
        for route in routes:
            # A lazily included router (FastAPI 0.137+) reads its router's routes on use.
            included = getattr(getattr(route, "original_router", None), "routes", None)
            if isinstance(included, list):
                self._watch(included)

    def nodes(self, routes: Sequence[Any], app: Any = None, prefix: str = "") -> tuple[_Node, ...]:
        self._watch(routes)
        nodes: list[_Node] = []
        for route in _effective_routes(list(routes)):
            kind = _original(route)
            if isinstance(kind, Mount):
                path = str(route.path).rstrip("/")
                regex = compile_path(path + "/{path:path}")[0]
                self.mounted_docs.extend(prefix + path + url for url in _configured_docs(route.app))
                nodes.append(_Branch(regex, False, self.children(route.app, prefix + path)))
            elif isinstance(kind, Host):
                regex = compile_path(str(route.host))[0]
                nodes.append(_Branch(regex, True, self.children(route.app, prefix)))
            elif isinstance(kind, (Route, WebSocketRoute)):
                methods = getattr(route, "methods", None)
                nodes.append(
                    _Endpoint(
                        regex=compile_path(str(route.path))[0],
                        methods=frozenset(methods) if methods else None,
                        websocket=isinstance(kind, WebSocketRoute),
                        forced=forced_state(route.endpoint),
                    )
                )
            elif isinstance(kind, BaseRoute):
                nodes.append(_Opaque(kind))
        nodes.extend(_Opaque(route, forcible=False) for route in _fallback_routes(app))
        return tuple(nodes)

    def children(self, app: Any, prefix: str) -> tuple[_Node, ...] | None:
        routes = getattr(app, "routes", None)
        if isinstance(routes, (list, tuple)):
            return self.nodes(routes, app, prefix)
        return None


def _fallback_routes(app: Any) -> list[Any]:
    """Routes a FastAPI router tries only when no other route matched (``router.frontend``)."""
    router = getattr(app, "router", app)
    low_priority = getattr(router, "_iter_low_priority_routes", None)
    if not callable(low_priority):
        return []
    return [route for route in low_priority() if callable(getattr(route, "matches", None))]


def _walk(nodes: Iterable[_Node], nodes_flat: list[_Node]) -> list[_Node]:
    for node in nodes:
        nodes_flat.append(node)
        if isinstance(node, _Branch) and node.children:
            _walk(node.children, nodes_flat)
    return nodes_flat


def _resolve(
    nodes: Sequence[_Node], websocket: bool, method: str, path: str, host: str
) -> Resolution:
    partial = False
    for node in nodes:
        if isinstance(node, _Endpoint):
            if node.websocket != websocket or node.regex.match(path) is None:
                continue
            if websocket or node.methods is None or method in node.methods:
                return Resolution(Outcome.FOUND, node.forced) if node.forced is not None else _FOUND
            partial = True
        elif isinstance(node, _Branch):
            match = node.regex.match(host if node.by_host else path)
            if match is None:
                continue
            if node.children is None:
                return _FOUND
            child_path = path if node.by_host else "/" + match.group("path")
            return _resolve(node.children, websocket, method, child_path, host)
        else:
            if not node.forcible and partial:
                # The router answers 405 before it looks at its fallback routes.
                break
            scope = {
                "type": "websocket" if websocket else "http",
                "path": path,
                "root_path": "",
                "method": method,
                "headers": [(b"host", host.encode("latin-1"))],
            }
            found, child = node.route.matches(scope)
            if found is Match.FULL:
                forced = forced_state(child.get("endpoint"))
                return Resolution(Outcome.FOUND, forced) if forced is not None else _FOUND
            if found is Match.PARTIAL:
                partial = True
    return _WRONG_METHOD if partial else _NOT_FOUND


class RouteTable:
    """The routes of one app, with a bounded cache of request resolutions."""

    def __init__(
        self,
        routes: Sequence[Any] | None,
        docs_paths: Iterable[str] = DOCS_PATHS,
        app: Any = None,
    ) -> None:
        #: ``None`` for an app without a route list: every request counts as found.
        self.known = routes is not None
        builder = _Builder()
        self.nodes = builder.nodes(routes, app) if routes is not None else ()
        self._watched = tuple(builder.watched)
        flat = _walk(self.nodes, [])
        self.has_forced_on = any(isinstance(n, _Endpoint) and n.forced for n in flat) or any(
            isinstance(n, _Opaque) and n.forcible for n in flat
        )
        self.uses_host = any(_needs_host(n) for n in flat)
        self.docs_paths = frozenset(p for p in (*docs_paths, *builder.mounted_docs) if p)
        self.resolve: Callable[[bool, str, str, str], Resolution] = lru_cache(_CACHE_SIZE)(
            self._resolve
        )

    def is_stale(self) -> bool:
        """Whether a route was added to or removed from any route list the table was built from."""
        return any(len(routes) != length for routes, length in self._watched)

    def _resolve(self, websocket: bool, method: str, path: str, host: str) -> Resolution:
        if not self.known:
            return _FOUND
        return _resolve(self.nodes, websocket, method, path, host)


def _needs_host(node: _Node) -> bool:
    return isinstance(node, _Opaque) or (isinstance(node, _Branch) and node.by_host)


def docs_paths_of(app: Any) -> list[str]:
    """FastAPI's documentation URLs: the defaults plus the app's own configured ones."""
    return [*DOCS_PATHS, *_configured_docs(app)]


def _configured_docs(app: Any) -> list[str]:
    urls = (getattr(app, attr, None) for attr in _DOCS_ATTRS)
    return [url for url in urls if isinstance(url, str) and url]


def route_path(scope: MutableMapping[str, Any]) -> str:
    """The path the router matches on: ``path`` less the proxy prefix ``root_path``."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


def host_of(scope: MutableMapping[str, Any]) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return str(value.decode("latin-1")).split(":")[0]
    return ""
