"""The middleware resolves a request the way the router does, whatever the routing shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Host, Match
from starlette.types import Receive, Scope, Send

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    force_maintenance_mode_off,
    force_maintenance_mode_on,
)

from .support import MemoryBackend

pytestmark = pytest.mark.anyio

#: FastAPI deprecates ``FastAPI(root_path=...)`` but still honours it; apps use it. (The
#: filter names no warning class: FastAPI releases older than the class are tested too.)
ROOT_PATH_DEPRECATED = pytest.mark.filterwarnings("ignore:The `root_path` parameter is deprecated")


def _included_routers_stay_live() -> bool:
    """Whether routes added to a router after ``include_router`` reach the app.

    Older FastAPI releases copy a router's routes when it is included.
    """
    router = APIRouter()
    app = FastAPI()
    app.include_router(router)
    router.add_api_route("/probe", lambda: None)
    scope = {"type": "http", "path": "/probe", "method": "GET", "root_path": ""}
    return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)


#: ``FastAPI.frontend()`` (an SPA's build served with a fallback) exists in newer releases only.
NEEDS_FRONTEND = pytest.mark.skipif(
    not hasattr(FastAPI, "frontend"), reason="this FastAPI release has no app.frontend()"
)


def _behind_middleware(app: FastAPI, **options: Any) -> FastAPI:
    app.add_middleware(MaintenanceModeMiddleware, **options)
    return app


def _nested_routers() -> FastAPI:
    """/v1/shop/orders/... through two levels of included routers with prefixes."""
    orders = APIRouter(prefix="/orders")

    @orders.get("/{order_id}")
    async def read_order(order_id: int) -> dict[str, int]:
        return {"order": order_id}

    @orders.get("/status/ping")
    @force_maintenance_mode_off
    async def ping() -> str:
        return "pong"

    shop = APIRouter(prefix="/shop")
    shop.include_router(orders)
    app = FastAPI()
    app.include_router(shop, prefix="/v1")
    return app


async def test_route_of_nested_included_routers_is_in_maintenance(client_for: Any) -> None:
    client = client_for(_behind_middleware(_nested_routers(), enable_maintenance=True))
    assert (await client.get("/v1/shop/orders/7")).status_code == 503


async def test_route_of_nested_included_routers_answers_when_off(client_for: Any) -> None:
    client = client_for(_behind_middleware(_nested_routers(), enable_maintenance=False))
    assert (await client.get("/v1/shop/orders/7")).json() == {"order": 7}


async def test_forced_off_route_of_an_included_router_stays_open(client_for: Any) -> None:
    client = client_for(_behind_middleware(_nested_routers(), enable_maintenance=True))
    assert (await client.get("/v1/shop/orders/status/ping")).status_code == 200


async def test_unknown_path_under_an_included_router_keeps_its_404(client_for: Any) -> None:
    client = client_for(_behind_middleware(_nested_routers(), enable_maintenance=True))
    assert (await client.get("/v1/shop/orders/7/extra")).status_code == 404


@pytest.mark.skipif(
    not _included_routers_stay_live(),
    reason="this FastAPI release copies a router's routes when it is included",
)
async def test_route_added_to_an_included_router_after_the_first_request_is_seen(
    client_for: Any,
) -> None:
    orders = APIRouter(prefix="/orders")
    app = FastAPI()
    app.include_router(orders)
    backend = MemoryBackend(True)
    client = client_for(_behind_middleware(app, backend=backend))
    assert (await client.get("/orders/late")).status_code == 404

    @orders.get("/late")
    async def late() -> str:
        return "late"

    assert (await client.get("/orders/late")).status_code == 503


# Mount --------------------------------------------------------------------------------


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "logo.txt").write_text("logo")
    return folder


def _with_mounts(static_dir: Path) -> FastAPI:
    sub = FastAPI()

    @sub.get("/report")
    async def report() -> str:
        return "report"

    @sub.get("/status")
    @force_maintenance_mode_off
    async def status() -> str:
        return "ok"

    app = FastAPI()
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.mount("/admin", sub)
    return app


async def test_static_files_are_served_when_off(client_for: Any, static_dir: Path) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=False))
    assert (await client.get("/static/logo.txt")).text == "logo"


async def test_static_files_are_in_maintenance(client_for: Any, static_dir: Path) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=True))
    assert (await client.get("/static/logo.txt")).status_code == 503


async def test_mounted_app_is_in_maintenance(client_for: Any, static_dir: Path) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=True))
    assert (await client.get("/admin/report")).status_code == 503


async def test_mounted_app_answers_when_off(client_for: Any, static_dir: Path) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=False))
    assert (await client.get("/admin/report")).json() == "report"


async def test_forced_off_route_inside_a_mounted_app_stays_open(
    client_for: Any, static_dir: Path
) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=True))
    assert (await client.get("/admin/status")).status_code == 200


async def test_unknown_path_inside_a_mounted_app_keeps_its_404(
    client_for: Any, static_dir: Path
) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=True))
    assert (await client.get("/admin/nothing")).status_code == 404


@pytest.mark.parametrize("path", ["/admin/docs", "/admin/openapi.json"])
async def test_docs_of_a_mounted_app_stay_reachable(
    client_for: Any, static_dir: Path, path: str
) -> None:
    client = client_for(_behind_middleware(_with_mounts(static_dir), enable_maintenance=True))
    assert (await client.get(path)).status_code == 200


async def test_route_added_to_a_mounted_app_after_the_first_request_is_seen(
    client_for: Any,
) -> None:
    sub = FastAPI()
    app = FastAPI()
    app.mount("/admin", sub)
    client = client_for(_behind_middleware(app, enable_maintenance=True))
    assert (await client.get("/admin/late")).status_code == 404

    @sub.get("/late")
    async def late() -> str:
        return "late"

    assert (await client.get("/admin/late")).status_code == 503


def _with_frontend(static_dir: Path, **options: Any) -> FastAPI:
    app = FastAPI()

    @app.post("/checkout")
    async def checkout() -> str:
        return "paid"

    app.frontend("/", directory=static_dir)
    return _behind_middleware(app, **options)


@NEEDS_FRONTEND
async def test_frontend_build_is_served_when_off(client_for: Any, static_dir: Path) -> None:
    client = client_for(_with_frontend(static_dir, enable_maintenance=False))
    assert (await client.get("/logo.txt")).text == "logo"


@NEEDS_FRONTEND
async def test_frontend_build_is_in_maintenance(client_for: Any, static_dir: Path) -> None:
    client = client_for(_with_frontend(static_dir, enable_maintenance=True))
    assert (await client.get("/logo.txt")).status_code == 503


@NEEDS_FRONTEND
async def test_wrong_method_wins_over_the_frontend_fallback(
    client_for: Any, static_dir: Path
) -> None:
    client = client_for(_with_frontend(static_dir, enable_maintenance=True))
    assert (await client.get("/checkout")).status_code == 405


# Host ---------------------------------------------------------------------------------


def _with_hosts() -> FastAPI:
    api = FastAPI()

    @api.get("/users")
    async def users() -> list[str]:
        return ["ada"]

    @api.get("/ping")
    @force_maintenance_mode_off
    async def ping() -> str:
        return "pong"

    app = FastAPI()
    app.router.routes.append(Host("api.example.com", app=api))
    return app


async def test_host_routed_app_is_in_maintenance(client_for: Any) -> None:
    client = client_for(_behind_middleware(_with_hosts(), enable_maintenance=True))
    response = await client.get("/users", headers={"host": "api.example.com"})
    assert response.status_code == 503


async def test_forced_off_route_behind_a_host_stays_open(client_for: Any) -> None:
    client = client_for(_behind_middleware(_with_hosts(), enable_maintenance=True))
    response = await client.get("/ping", headers={"host": "api.example.com:8000"})
    assert response.status_code == 200


async def test_other_host_keeps_its_404(client_for: Any) -> None:
    client = client_for(_behind_middleware(_with_hosts(), enable_maintenance=True))
    response = await client.get("/users", headers={"host": "www.example.com"})
    assert response.status_code == 404


class _CaseInsensitiveRoute(BaseRoute):
    """A route type of the app's own: it matches its path in any letter case."""

    def __init__(self, path: str, endpoint: Any) -> None:
        self.path = path
        self.endpoint = endpoint

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].lower() == self.path:
            return Match.FULL, {"endpoint": self.endpoint}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("ok")(scope, receive, send)


def _with_custom_route(**options: Any) -> FastAPI:
    async def catalog() -> None: ...

    @force_maintenance_mode_off
    async def status() -> None: ...

    app = FastAPI()
    app.router.routes.append(_CaseInsensitiveRoute("/catalog", catalog))
    app.router.routes.append(_CaseInsensitiveRoute("/status", status))
    return _behind_middleware(app, **options)


async def test_custom_route_type_is_asked_whether_it_matches(client_for: Any) -> None:
    client = client_for(_with_custom_route(enable_maintenance=True))
    assert (await client.get("/CATALOG")).status_code == 503
    assert (await client.get("/elsewhere")).status_code == 404


async def test_forced_off_endpoint_of_a_custom_route_type_stays_open(client_for: Any) -> None:
    client = client_for(_with_custom_route(enable_maintenance=True))
    assert (await client.get("/Status")).status_code == 200


# root_path ----------------------------------------------------------------------------


def _shop(**app_options: Any) -> FastAPI:
    app = FastAPI(**app_options)

    @app.get("/items")
    async def items() -> list[int]:
        return [1]

    @app.get("/health")
    @force_maintenance_mode_off
    async def health() -> str:
        return "ok"

    return app


@ROOT_PATH_DEPRECATED
async def test_app_with_root_path_is_in_maintenance(client_for: Any) -> None:
    client = client_for(_behind_middleware(_shop(root_path="/api"), enable_maintenance=True))
    assert (await client.get("/items")).status_code == 503
    assert (await client.get("/api/items")).status_code == 503


@ROOT_PATH_DEPRECATED
async def test_app_with_root_path_keeps_forced_off_routes_open(client_for: Any) -> None:
    client = client_for(_behind_middleware(_shop(root_path="/api"), enable_maintenance=True))
    assert (await client.get("/api/health")).status_code == 200


async def test_proxy_root_path_in_the_scope_is_honoured(client_for: Any) -> None:
    """As under ``uvicorn --root-path /api``: the scope's path includes the prefix."""
    app = _behind_middleware(_shop(), enable_maintenance=True)
    transport = httpx.ASGITransport(app=app, root_path="/api")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/api/items")).status_code == 503
        assert (await client.get("/api/health")).status_code == 200
        assert (await client.get("/api/missing")).status_code == 404


@pytest.mark.parametrize("path", ["/apix", "/apix/items"])
async def test_root_path_is_removed_only_on_a_segment_boundary(client_for: Any, path: str) -> None:
    """``/apix`` is not under ``/api``: the router matches it whole, and so must maintenance."""
    app = FastAPI()

    @app.get("/apix")
    async def apix() -> str:
        return "apix"

    @app.get("/apix/items")
    async def apix_items() -> str:
        return "items"

    app = _behind_middleware(app, enable_maintenance=True)
    transport = httpx.ASGITransport(app=app, root_path="/api")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get(path)).status_code == 503


def _wrapped_from_outside(**options: Any) -> Any:
    """``MaintenanceModeMiddleware(app)``: composed by hand, outside the app."""
    return MaintenanceModeMiddleware(_shop(root_path="/api"), **options)


@ROOT_PATH_DEPRECATED
async def test_app_wrapped_from_outside_is_resolved_under_its_own_root_path(
    client_for: Any,
) -> None:
    client = client_for(_wrapped_from_outside(enable_maintenance=True))
    assert (await client.get("/api/items")).status_code == 503
    assert (await client.get("/api/health")).status_code == 200
    assert (await client.get("/api/missing")).status_code == 404


@ROOT_PATH_DEPRECATED
async def test_app_wrapped_from_outside_answers_under_its_root_path_when_off(
    client_for: Any,
) -> None:
    client = client_for(_wrapped_from_outside(enable_maintenance=False))
    assert (await client.get("/api/items")).json() == [1]


@ROOT_PATH_DEPRECATED
async def test_app_root_path_replaces_the_proxy_root_path(client_for: Any) -> None:
    """FastAPI sets its own ``root_path`` over the server's; the router strips that one."""
    app = _wrapped_from_outside(enable_maintenance=True)
    transport = httpx.ASGITransport(app=app, root_path="/proxy")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/api/items")).status_code == 503


async def test_app_wrapped_and_mounted_in_another_is_resolved_on_its_own_routes(
    client_for: Any,
) -> None:
    outer = FastAPI()
    outer.mount("/shop", MaintenanceModeMiddleware(_shop(), enable_maintenance=True))
    client = client_for(outer)
    assert (await client.get("/shop/items")).status_code == 503
    assert (await client.get("/shop/health")).status_code == 200
    assert (await client.get("/shop/missing")).status_code == 404


# routes added later ------------------------------------------------------------------


async def test_route_added_after_the_first_request_is_picked_up(client_for: Any) -> None:
    app = _behind_middleware(_shop(), enable_maintenance=True)
    client = client_for(app)
    assert (await client.get("/late")).status_code == 404

    @app.get("/late")
    async def late() -> str:
        return "late"

    assert (await client.get("/late")).status_code == 503


async def test_forced_on_route_added_after_the_first_request_is_picked_up(
    client_for: Any,
) -> None:
    app = _behind_middleware(_shop(), enable_maintenance=False)
    client = client_for(app)
    assert (await client.get("/items")).status_code == 200

    @app.get("/retired")
    @force_maintenance_mode_on
    async def retired() -> str:
        return "retired"

    assert (await client.get("/retired")).status_code == 503


# forced routes bind to methods ---------------------------------------------------------


def _orders(**options: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/orders")
    @force_maintenance_mode_off
    async def list_orders() -> list[int]:
        return []

    @app.post("/orders")
    async def create_order() -> str:
        return "created"

    @app.get("/reports")
    @force_maintenance_mode_on
    async def read_reports() -> list[int]:
        return []

    @app.post("/reports")
    async def create_report() -> str:
        return "created"

    return _behind_middleware(app, **options)


async def test_forced_off_get_does_not_open_post_on_the_same_path(client_for: Any) -> None:
    client = client_for(_orders(enable_maintenance=True))
    assert (await client.get("/orders")).status_code == 200
    assert (await client.post("/orders")).status_code == 503


async def test_forced_on_get_does_not_close_post_on_the_same_path(client_for: Any) -> None:
    client = client_for(_orders(enable_maintenance=False))
    assert (await client.get("/reports")).status_code == 503
    assert (await client.post("/reports")).status_code == 200


# decorator order ----------------------------------------------------------------------


async def test_decorators_work_below_the_route_decorator(client_for: Any) -> None:
    client = client_for(_orders(enable_maintenance=True))
    assert (await client.get("/orders")).status_code == 200
    assert (await client.get("/reports")).status_code == 503


async def test_route_forced_on_at_a_path_of_several_segments_is_closed_when_off(
    client_for: Any,
) -> None:
    app = FastAPI()

    @app.get("/v1/legacy")
    @force_maintenance_mode_on
    async def legacy() -> str:
        return "legacy"

    @app.get("/v1/items")
    async def items() -> str:
        return "items"

    client = client_for(_behind_middleware(app, enable_maintenance=False))
    assert (await client.get("/v1/legacy")).status_code == 503
    assert (await client.get("/v1/items")).status_code == 200


# declaration order ----------------------------------------------------------------------


def _catch_all_and_specific(catch_all_first: bool) -> FastAPI:
    @force_maintenance_mode_off
    async def catch_all(anything: str) -> str:
        return "catch-all"

    async def item() -> str:
        return "item"

    app = FastAPI()
    routes = [("/{anything:path}", catch_all), ("/items", item)]
    for path, endpoint in routes if catch_all_first else routes[::-1]:
        app.add_api_route(path, endpoint)
    return _behind_middleware(app, enable_maintenance=True)


async def test_forced_off_catch_all_declared_first_serves_the_specific_path(
    client_for: Any,
) -> None:
    response = await client_for(_catch_all_and_specific(catch_all_first=True)).get("/items")
    assert (response.status_code, response.json()) == (200, "catch-all")


async def test_specific_route_declared_before_a_forced_off_catch_all_stays_closed(
    client_for: Any,
) -> None:
    client = client_for(_catch_all_and_specific(catch_all_first=False))
    assert (await client.get("/items")).status_code == 503
    assert (await client.get("/elsewhere")).status_code == 200


# the table agrees with the router ------------------------------------------------------

SEGMENTS = st.sampled_from(["a", "b", "{x{n}}", "{p{n}:path}"])
ROUTE = st.tuples(
    st.lists(SEGMENTS, min_size=0, max_size=3).map(
        lambda parts: "/" + "/".join(part.replace("{n}", str(n)) for n, part in enumerate(parts))
    ),
    st.sampled_from([["GET"], ["POST"], ["GET", "POST"]]),
)
REQUEST = st.tuples(
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=0, max_size=4).map(
        lambda parts: "/" + "/".join(parts)
    ),
    st.sampled_from(["GET", "POST", "PUT"]),
)


def _generated_app(
    routes: list[tuple[str, list[str]]], prefix: str | None, mount: str | None, **options: Any
) -> Any:
    """Routes in order, every other one in a router included under ``prefix``, then a mount."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    router = APIRouter()
    for number, (path, methods) in enumerate(routes):
        owner = router if prefix is not None and number % 2 else app
        owner.add_api_route(path, lambda: "ok", methods=methods, name=f"route{number}")
    if prefix is not None:
        app.include_router(router, prefix=prefix)
    if mount is not None:
        sub = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        sub.add_api_route("/a", lambda: "sub", methods=["GET"])
        app.mount(mount, sub)
    return _behind_middleware(app, **options) if options else app


@settings(max_examples=60, deadline=None)
@given(
    routes=st.lists(ROUTE, max_size=6),
    prefix=st.sampled_from([None, "/a", "/b/a"]),
    mount=st.sampled_from([None, "/b", ""]),
    requests=st.lists(REQUEST, min_size=1, max_size=6),
)
async def test_maintenance_blocks_exactly_the_requests_the_router_would_serve(
    routes: list[tuple[str, list[str]]],
    prefix: str | None,
    mount: str | None,
    requests: list[tuple[str, str]],
) -> None:
    bare = _generated_app(routes, prefix, mount)
    blocked = _generated_app(routes, prefix, mount, enable_maintenance=True)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://t") as plain,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=blocked), base_url="http://t") as down,
    ):
        for path, method in requests:
            served = (await plain.request(method, path)).status_code
            answered = (await down.request(method, path)).status_code
            assert answered == (served if served in (307, 404, 405) else 503), (method, path)
