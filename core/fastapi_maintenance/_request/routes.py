"""A flat, cached view of an app's routes: does a request hit a route, and is it forced?

Built once per set of routes, it mirrors how Starlette's router picks a route (first
full match wins, a path match with the wrong method means 405, a matching ``Mount`` or
``Host`` hands over to its children) without running any endpoint. Routes are indexed by
their first path segment, so a lookup costs the same with ten routes or a thousand.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from starlette.routing import (
    BaseRoute,
    Host,
    Match,
    Mount,
    Route,
    Router,
    WebSocketRoute,
    compile_path,
)
from starlette.staticfiles import StaticFiles

from ..decorators import allowed_in_read_only, forced_state, marks_given_to

logger = logging.getLogger("fastapi_maintenance")

DOCS_PATHS = ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect")
#: Files of Swagger UI and ReDoc that FastAPI's recipe for self-hosted docs serves from a
#: ``StaticFiles`` mount: they stay reachable under any such mount so the docs keep working.
DOCS_ASSETS = (
    "swagger-ui-bundle.js",
    "swagger-ui.css",
    "redoc.standalone.js",
    "swagger-ui-bundle.js.map",
    "swagger-ui.css.map",
)
_DOCS_ATTRS = ("docs_url", "redoc_url", "openapi_url", "swagger_ui_oauth2_redirect_url")
_CACHE_SIZE = 4096
#: Longer requests (path, host and method together) are resolved afresh each time instead
#: of being cached, so the cache holds at most ``_CACHE_SIZE`` keys of this size.
_CACHED_KEY_LIMIT = 512


class Outcome(enum.Enum):
    FOUND = "found"
    WRONG_METHOD = "wrong method"
    NOT_FOUND = "not found"


@dataclass(frozen=True)
class Resolution:
    outcome: Outcome
    #: ``True``/``False`` when the matched endpoint is forced on/off, else ``None``.
    forced: bool | None = None
    #: The matched route's tags (FastAPI's, its router's included), for scopes selecting by tag.
    tags: frozenset[str] = frozenset()
    #: The endpoint is marked ``allow_in_read_only``: its writes pass read-only maintenance.
    writable: bool = False


_NOT_FOUND = Resolution(Outcome.NOT_FOUND)
_WRONG_METHOD = Resolution(Outcome.WRONG_METHOD)
_FOUND = Resolution(Outcome.FOUND)


@dataclass(frozen=True)
class _Endpoint:
    regex: re.Pattern[str]
    methods: frozenset[str] | None
    websocket: bool
    forced: bool | None
    segment: str | None
    #: What a request matching the endpoint resolves to, built once.
    found: Resolution = _FOUND


def _found(route: Any, endpoint: object) -> Resolution:
    """The resolution of a request that hits ``route``: the endpoint's marks, the route's tags."""
    forced = forced_state(endpoint)
    tags = getattr(route, "tags", None)
    tag_set = (
        frozenset(str(tag) for tag in tags) if isinstance(tags, (list, tuple)) else frozenset()
    )
    writable = allowed_in_read_only(endpoint)
    if forced is None and not tag_set and not writable:
        return _FOUND
    return Resolution(Outcome.FOUND, forced, tag_set, writable)


@dataclass(frozen=True)
class _Branch:
    """A ``Mount`` (by path) or ``Host`` (by host); ``children`` is ``None`` for an opaque app."""

    regex: re.Pattern[str]
    by_host: bool
    children: _Level | None
    segment: str | None


@dataclass(frozen=True)
class _Opaque:
    """A route type we do not know: ask the route itself."""

    route: Any
    #: Whether the route may lead to a forced endpoint (unknown routes may; fallbacks not).
    forcible: bool = True
    segment: None = None


_Node = _Endpoint | _Branch | _Opaque


def _segment_of(path: str) -> str | None:
    """The first segment every path matched by a route pattern has, ``None`` if it varies."""
    if not path.startswith("/"):
        return None
    segment = path[1:].partition("/")[0]
    return None if "{" in segment else segment


def _first_segment(path: str) -> str | None:
    """The first segment of a request path (``""`` for ``/``)."""
    return path[1:].partition("/")[0] if path.startswith("/") else None


def _position(item: tuple[int, _Node]) -> int:
    return item[0]


class _Level:
    """The nodes of one route list, indexed by the first path segment they can match.

    A request is tried only against the nodes whose first segment is its own or can be
    anything, in their original order, so the cost does not grow with the number of routes.
    """

    def __init__(self, nodes: Sequence[_Node]) -> None:
        self.nodes = tuple(nodes)
        anywhere: list[tuple[int, _Node]] = []
        fixed: dict[str, list[tuple[int, _Node]]] = {}
        for position, node in enumerate(self.nodes):
            if node.segment is None:
                anywhere.append((position, node))
            else:
                fixed.setdefault(node.segment, []).append((position, node))
        self.anywhere = tuple(node for _, node in anywhere)
        self.by_segment = {
            segment: tuple(node for _, node in sorted(own + anywhere, key=_position))
            for segment, own in fixed.items()
        }

    def candidates(self, path: str) -> tuple[_Node, ...]:
        segment = _first_segment(path)
        if segment is None:
            return self.nodes
        return self.by_segment.get(segment, self.anywhere)


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

    def level(self, routes: Sequence[Any], app: Any = None, prefix: str = "") -> _Level:
        self._watch(routes)
        nodes: list[_Node] = []
        for route in _effective_routes(list(routes)):
            kind = _original(route)
            if isinstance(kind, Mount):
                path = str(route.path).rstrip("/")
                regex = compile_path(path + "/{path:path}")[0]
                self.mounted_docs.extend(prefix + path + url for url in _configured_docs(route.app))
                if isinstance(route.app, StaticFiles):
                    self.mounted_docs.extend(f"{prefix}{path}/{name}" for name in DOCS_ASSETS)
                children = self.children(route.app, prefix + path)
                segment = _segment_of(path + "/{path:path}")
                nodes.append(_Branch(regex, False, children, segment))
            elif isinstance(kind, Host):
                regex = compile_path(str(route.host))[0]
                nodes.append(_Branch(regex, True, self.children(route.app, prefix), None))
            elif isinstance(kind, (Route, WebSocketRoute)):
                methods = getattr(route, "methods", None)
                nodes.append(
                    _Endpoint(
                        regex=compile_path(str(route.path))[0],
                        methods=frozenset(methods) if methods else None,
                        websocket=isinstance(kind, WebSocketRoute),
                        forced=forced_state(route.endpoint),
                        segment=_segment_of(str(route.path)),
                        found=_found(route, route.endpoint),
                    )
                )
            elif isinstance(kind, BaseRoute):
                nodes.append(_Opaque(kind))
        nodes.extend(_Opaque(route, forcible=False) for route in _fallback_routes(app))
        return _Level(nodes)

    def children(self, app: Any, prefix: str) -> _Level | None:
        routes = starlette_routes(app)
        return None if routes is None else self.level(routes, app, prefix)


def starlette_routes(app: Any) -> Sequence[BaseRoute] | None:
    """The route list of a Starlette app or router; ``None`` for any other app.

    Another framework's ``routes`` (Litestar's, say) cannot be read: taking it would give
    an empty table in which every request looks like a 404, and would pass.
    """
    router = app if isinstance(app, Router) else getattr(app, "router", None)
    routes = getattr(app, "routes", None)
    if not isinstance(router, Router) or not isinstance(routes, (list, tuple)):
        return None
    if not all(isinstance(route, BaseRoute) for route in routes):
        return None
    return routes


def _fallback_routes(app: Any) -> list[Any]:
    """Routes a FastAPI router tries only when no other route matched (``router.frontend``)."""
    router = getattr(app, "router", app)
    low_priority = getattr(router, "_iter_low_priority_routes", None)
    if not callable(low_priority):
        return []
    return [route for route in low_priority() if callable(getattr(route, "matches", None))]


def _walk(nodes: Iterable[_Node]) -> Iterator[_Node]:
    for node in nodes:
        yield node
        if isinstance(node, _Branch) and node.children:
            yield from _walk(node.children.nodes)


def _may_force_on(node: _Node) -> bool:
    """Whether a request resolved through ``node`` can end on a route forced on."""
    return any(
        (isinstance(n, _Endpoint) and n.forced is True) or (isinstance(n, _Opaque) and n.forcible)
        for n in _walk([node])
    )


def _resolve(level: _Level, websocket: bool, method: str, path: str, host: str) -> Resolution:
    partial = False
    for node in level.candidates(path):
        if isinstance(node, _Endpoint):
            if node.websocket != websocket or node.regex.match(path) is None:
                continue
            if websocket or node.methods is None or method in node.methods:
                return node.found
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
                return _found(child.get("route", node.route), child.get("endpoint"))
            if found is Match.PARTIAL:
                partial = True
    return _WRONG_METHOD if partial else _NOT_FOUND


class RouteTable:
    """The routes of one app, with a bounded cache of request resolutions."""

    #: The prefix the app itself strips from every path (``FastAPI(root_path=...)``): the
    #: app replaces the scope's ``root_path`` with it before its router matches.
    root_path: str = ""

    def __init__(
        self,
        routes: Sequence[Any] | None,
        docs_paths: Iterable[str] = DOCS_PATHS,
        app: Any = None,
    ) -> None:
        #: ``None`` for an app without a route list: every request counts as found.
        self.known = routes is not None
        builder = _Builder()
        self.level = builder.level(routes, app) if routes is not None else _Level(())
        self._watched = tuple(builder.watched)
        nodes = list(_walk(self.level.nodes))
        self.uses_host = any(_needs_host(n) for n in nodes)
        self.docs_paths = frozenset(p for p in (*docs_paths, *builder.mounted_docs) if p)
        forcing = [n for n in self.level.nodes if _may_force_on(n)]
        self.has_forced_on = bool(forcing)
        #: A forced-on route may be under any first path segment.
        self._forced_anywhere = any(n.segment is None for n in forcing)
        segments = {n.segment for n in forcing if n.segment is not None}
        #: Paths of, and prefixes of paths under, the segments forced-on routes are under.
        self._forced_paths = frozenset(f"/{segment}" for segment in segments)
        self._forced_prefixes = tuple(f"/{segment}/" for segment in segments)
        self._cached: Callable[[bool, str, str, str], Resolution] = lru_cache(_CACHE_SIZE)(
            self._resolve
        )

    def resolve(self, websocket: bool, method: str, path: str, host: str) -> Resolution:
        """What the router would do with this request; cached unless the request is long."""
        if len(path) + len(host) + len(method) > _CACHED_KEY_LIMIT:
            return self._resolve(websocket, method, path, host)
        return self._cached(websocket, method, path, host)

    def may_be_forced_on(self, path: str) -> bool:
        """Whether a request for ``path`` may hit a forced-on route; cheap, no lookup."""
        return (
            self._forced_anywhere
            or path in self._forced_paths
            or path.startswith(self._forced_prefixes)
        )

    def is_stale(self) -> bool:
        """Whether a route was added to or removed from any route list the table was built from."""
        # Called on every request: a plain loop costs a third of any() over a generator.
        for routes, length in self._watched:  # noqa: SIM110
            if len(routes) != length:
                return True
        return False

    def _resolve(self, websocket: bool, method: str, path: str, host: str) -> Resolution:
        if not self.known:
            return _FOUND
        return _resolve(self.level, websocket, method, path, host)


def _needs_host(node: _Node) -> bool:
    return isinstance(node, _Opaque) or (isinstance(node, _Branch) and node.by_host)


def _endpoints(routes: Sequence[Any], app: Any, seen: set[int]) -> Iterator[Any]:
    """Every endpoint an app registers, in mounted apps and included routers too."""
    seen.add(id(routes))
    for route in [*_effective_routes(list(routes)), *_fallback_routes(app)]:
        if isinstance(_original(route), (Mount, Host)):
            children = getattr(route.app, "routes", None)
            if isinstance(children, (list, tuple)) and id(children) not in seen:
                yield from _endpoints(children, route.app, seen)
        else:
            endpoint = getattr(route, "endpoint", None)
            if endpoint is not None:
                yield endpoint


def report_unmarked_registrations(routes: Sequence[Any], app: Any) -> None:
    """Log each function the app registers undecorated though a force decorator marked it.

    A force decorator marks the function it returns; the function it was given stays
    unmarked. Registered as is, that function is not forced: either the decorator sits above
    the route decorator, or a shared function is decorated for another route.
    """
    registered = {id(endpoint): endpoint for endpoint in _endpoints(routes, app, set())}
    for endpoint in registered.values():
        marks = marks_given_to(endpoint)
        if not marks or any(id(wrapper) in registered for wrapper, _ in marks):
            continue
        decorator = "force_maintenance_mode_on" if marks[-1][1] else "force_maintenance_mode_off"
        logger.error(
            "%s was applied to %s, but a route registers it undecorated, so that route is "
            "not forced (a force decorator above the route decorator marks no route: place "
            "it below)",
            decorator,
            getattr(endpoint, "__qualname__", repr(endpoint)),
        )


def own_root_path(app: Any) -> str:
    """The ``root_path`` an app sets in the scope before routing (FastAPI's), else ``""``."""
    root = getattr(app, "root_path", "")
    return root if isinstance(root, str) else ""


def docs_paths_of(app: Any) -> list[str]:
    """FastAPI's documentation URLs: the defaults plus the app's own configured ones."""
    return [*DOCS_PATHS, *_configured_docs(app)]


def _configured_docs(app: Any) -> list[str]:
    urls = (getattr(app, attr, None) for attr in _DOCS_ATTRS)
    return [url for url in urls if isinstance(url, str) and url]


def route_path(scope: MutableMapping[str, Any], root: str = "") -> str:
    """The path the router matches on: ``path`` less the prefix ``root``, on a segment
    boundary. ``root`` defaults to the scope's ``root_path`` (a proxy prefix)."""
    path: str = scope["path"]
    root = root or scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path


def host_of(scope: MutableMapping[str, Any]) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            return str(value.decode("latin-1")).split(":")[0]
    return ""
