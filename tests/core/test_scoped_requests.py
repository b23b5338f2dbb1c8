"""Scopes on the request path: which requests a scope puts in maintenance, and what they get."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, WebSocket
from hypothesis import given, settings
from hypothesis import strategies as st

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    MaintenanceScope,
    MaintenanceState,
    allow_in_read_only,
    force_maintenance_mode_off,
)

from .support import DETAIL, DetailsBackend, websocket_session

pytestmark = pytest.mark.anyio

SOON = datetime.now(timezone.utc) + timedelta(hours=1)
LATER = datetime.now(timezone.utc) + timedelta(hours=2)


def scoped(*scopes: MaintenanceScope, on: bool = False, **details: Any) -> DetailsBackend:
    """A backend whose state holds ``scopes`` (and, with ``on``, the global switch)."""
    return DetailsBackend(MaintenanceState(on=on, scopes=scopes, **details))


def app_for(backend: DetailsBackend, **options: Any) -> FastAPI:
    """Billing and shop routes, tagged; a login that takes writes in read-only maintenance."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend, **options)
    billing = APIRouter(prefix="/billing", tags=["billing"])

    @billing.get("/invoices")
    async def invoices() -> dict[str, str]:
        return {"route": "invoices"}

    @billing.post("/invoices")
    async def pay() -> dict[str, str]:
        return {"route": "pay"}

    @billing.get("/status")
    @force_maintenance_mode_off
    async def billing_status() -> dict[str, str]:
        return {"route": "billing status"}

    app.include_router(billing)

    @app.get("/shop", tags=["shop", "export"])
    async def shop() -> dict[str, str]:
        return {"route": "shop"}

    @app.post("/login")
    @allow_in_read_only
    async def login() -> dict[str, str]:
        return {"route": "login"}

    @app.post("/orders")
    async def order() -> dict[str, str]:
        return {"route": "order"}

    @app.websocket("/billing/live")
    async def live(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close()

    return app


async def status(client_for: Any, backend: DetailsBackend, method: str, path: str,
                 **options: Any) -> int:  # fmt: skip
    headers = options.pop("headers", None)
    client = client_for(app_for(backend, **options))
    response = await client.request(method, path, headers=headers)
    return int(response.status_code)


@pytest.mark.parametrize(
    ("scope", "method", "path", "expected"),
    [
        pytest.param(MaintenanceScope("b", paths=["/billing/*"]), "GET", "/billing/invoices", 503,
                     id="a-path-prefix-selects-below-it"),
        pytest.param(MaintenanceScope("b", paths=["/billing/*"]), "GET", "/shop", 200,
                     id="a-path-prefix-leaves-other-paths"),
        pytest.param(MaintenanceScope("b", paths=["/billing/invoices"]), "POST",
                     "/billing/invoices", 503, id="an-exact-path-selects-every-method"),
        pytest.param(MaintenanceScope("b", methods=["POST"]), "POST", "/orders", 503,
                     id="a-method-selects-it-on-every-path"),
        pytest.param(MaintenanceScope("b", methods=["POST"]), "GET", "/shop", 200,
                     id="a-method-leaves-other-methods"),
        pytest.param(MaintenanceScope("b", tags=["billing"]), "GET", "/billing/invoices", 503,
                     id="a-router-tag-selects-its-routes"),
        pytest.param(MaintenanceScope("b", tags=["export"]), "GET", "/shop", 503,
                     id="a-route-tag-selects-it"),
        pytest.param(MaintenanceScope("b", tags=["export"]), "GET", "/billing/invoices", 200,
                     id="a-tag-leaves-untagged-routes"),
        pytest.param(MaintenanceScope("b", paths=["/billing/*"], methods=["POST"]), "GET",
                     "/billing/invoices", 200, id="selectors-of-two-kinds-must-both-match"),
        pytest.param(MaintenanceScope("b", paths=["/billing/*"], methods=["POST"]), "POST",
                     "/billing/invoices", 503, id="selectors-of-two-kinds-both-matching"),
        pytest.param(MaintenanceScope("b", paths=["/billing/*", "/shop"]), "GET", "/shop", 503,
                     id="selectors-of-one-kind-are-alternatives"),
        pytest.param(MaintenanceScope("b", paths=["/billing/*"]), "GET", "/billing/status", 200,
                     id="a-route-forced-off-stays-up"),
        pytest.param(MaintenanceScope("b", paths=["/nowhere"]), "GET", "/nowhere", 404,
                     id="a-path-without-a-route-keeps-its-404"),
    ],
)  # fmt: skip
async def test_a_scope_selects_requests_by_its_selectors(
    client_for: Any, scope: MaintenanceScope, method: str, path: str, expected: int
) -> None:
    assert await status(client_for, scoped(scope), method, path) == expected


async def test_a_host_selects_requests_for_that_host_whatever_its_port_or_case(
    client_for: Any,
) -> None:
    backend = scoped(MaintenanceScope("tenant", hosts=["acme.example.com"]))
    client = client_for(app_for(backend))
    acme = await client.get("/shop", headers={"Host": "ACME.example.com:8443"})
    other = await client.get("/shop", headers={"Host": "globex.example.com"})
    assert (acme.status_code, other.status_code) == (503, 200)


@pytest.mark.parametrize(
    ("service", "services", "expected"),
    [
        pytest.param("billing", ["billing"], 503, id="a-scope-naming-the-service-selects-it"),
        pytest.param("shop", ["billing"], 200, id="a-scope-naming-another-service-does-not"),
        pytest.param(None, ["billing"], 200, id="an-app-without-a-service-is-not-selected"),
        pytest.param("billing", ["shop", "billing"], 503, id="services-are-alternatives"),
    ],
)
async def test_a_service_selector_selects_the_apps_of_that_service(
    client_for: Any, service: str | None, services: list[str], expected: int
) -> None:
    backend = scoped(MaintenanceScope("down", services=services))
    assert await status(client_for, backend, "GET", "/shop", service=service) == expected


async def test_a_scope_without_a_service_selector_selects_every_service(client_for: Any) -> None:
    backend = scoped(MaintenanceScope("down", paths=["/shop"]))
    assert await status(client_for, backend, "GET", "/shop", service="billing") == 503


async def test_the_service_comes_from_its_variable(
    client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FASTAPI_MAINTENANCE_SERVICE", "billing")
    backend = scoped(MaintenanceScope("down", services=["billing"]))
    assert await status(client_for, backend, "GET", "/shop") == 503


@pytest.mark.parametrize("service", ["", "two words", "-dash", "a" * 65])
def test_a_malformed_service_name_is_refused_at_once(service: str) -> None:
    app = FastAPI()
    with pytest.raises(ValueError, match="service"):
        MaintenanceModeMiddleware(app, backend=scoped(), service=service)


async def test_a_scope_outside_its_window_selects_nothing(client_for: Any) -> None:
    later = MaintenanceScope("later", paths=["/shop"], starts_at=SOON, ends_at=LATER)
    assert await status(client_for, scoped(later), "GET", "/shop") == 200


async def test_a_read_only_scope_lets_reads_through_and_blocks_writes(client_for: Any) -> None:
    backend = scoped(MaintenanceScope("ro", paths=["/billing/*"], read_only=True))
    assert await status(client_for, backend, "GET", "/billing/invoices") == 200
    assert await status(client_for, backend, "POST", "/billing/invoices") == 503


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        pytest.param(DetailsBackend(MaintenanceState(on=True, read_only=True)), 200,
                     id="global-read-only"),
        pytest.param(scoped(MaintenanceScope("ro", paths=["/login"], read_only=True)), 200,
                     id="a-read-only-scope"),
        pytest.param(DetailsBackend(MaintenanceState(on=True)), 503, id="full-maintenance"),
        pytest.param(scoped(MaintenanceScope("down", paths=["/login"])), 503, id="a-full-scope"),
        pytest.param(
            scoped(MaintenanceScope("down", paths=["/login"]), on=True, read_only=True), 503,
            id="a-full-scope-under-global-read-only",
        ),
    ],
)  # fmt: skip
async def test_a_route_allowed_in_read_only_takes_writes_in_read_only_maintenance_only(
    client_for: Any, backend: DetailsBackend, expected: int
) -> None:
    assert await status(client_for, backend, "POST", "/login") == expected


async def test_other_writes_still_get_the_503_in_read_only_maintenance(client_for: Any) -> None:
    backend = DetailsBackend(MaintenanceState(on=True, read_only=True))
    assert await status(client_for, backend, "POST", "/orders") == 503


async def test_a_blocked_request_gets_the_scopes_message_retry_after_and_name(
    client_for: Any,
) -> None:
    in_an_hour = datetime.now(timezone.utc) + timedelta(hours=1)
    scope = MaintenanceScope("billing-down", paths=["/billing/*"], message="Billing is down",
                             ends_at=in_an_hour)  # fmt: skip
    client = client_for(app_for(scoped(scope)))
    response = await client.get("/billing/invoices")
    body = response.json()
    assert body["detail"] == "Billing is down"
    assert body["maintenance"]["scope"] == "billing-down"
    assert 3500 < int(response.headers["retry-after"]) <= 3600
    assert body["maintenance"]["retry_after"] == int(response.headers["retry-after"])


async def test_a_scope_without_details_still_names_itself(client_for: Any) -> None:
    client = client_for(app_for(scoped(MaintenanceScope("b", paths=["/shop"]))))
    body = (await client.get("/shop")).json()
    assert body["detail"] == DETAIL["detail"]
    assert body["maintenance"]["scope"] == "b"


async def test_the_page_shows_the_scopes_message(client_for: Any) -> None:
    scope = MaintenanceScope("b", paths=["/shop"], message="The shop reopens at noon")
    client = client_for(app_for(scoped(scope)))
    response = await client.get("/shop", headers={"Accept": "text/html"})
    assert response.status_code == 503
    assert "The shop reopens at noon" in response.text


async def test_of_several_scopes_the_one_ending_last_decides(client_for: Any) -> None:
    early = MaintenanceScope("a-early", paths=["/shop"], message="early", ends_at=SOON)
    late = MaintenanceScope("b-late", paths=["/shop"], message="late", ends_at=LATER)
    body = (await client_for(app_for(scoped(early, late))).get("/shop")).json()
    assert (body["detail"], body["maintenance"]["scope"]) == ("late", "b-late")


async def test_a_scope_without_an_end_outlasts_one_with_an_end(client_for: Any) -> None:
    ending = MaintenanceScope("a", paths=["/shop"], message="ending", ends_at=LATER)
    open_ended = MaintenanceScope("b", paths=["/shop"], message="open-ended")
    body = (await client_for(app_for(scoped(ending, open_ended))).get("/shop")).json()
    assert body["detail"] == "open-ended"


async def test_of_scopes_ending_together_the_first_by_name_decides(client_for: Any) -> None:
    first = MaintenanceScope("alpha", paths=["/shop"], message="alpha")
    second = MaintenanceScope("beta", paths=["/shop"], message="beta")
    body = (await client_for(app_for(scoped(second, first))).get("/shop")).json()
    assert body["detail"] == "alpha"


async def test_the_global_state_decides_over_a_scope_when_both_apply(client_for: Any) -> None:
    scope = MaintenanceScope("b", paths=["/shop"], message="scope")
    backend = scoped(scope, on=True, message="everything")
    body = (await client_for(app_for(backend)).get("/shop")).json()
    assert body["detail"] == "everything"
    assert "scope" not in body["maintenance"]


async def test_a_scopes_own_allow_list_lets_its_clients_through(client_for: Any) -> None:
    scope = MaintenanceScope("b", paths=["/shop"], allow_paths=["/shop"])
    assert await status(client_for, scoped(scope), "GET", "/shop") == 200


async def test_exempt_paths_beat_a_scope(client_for: Any) -> None:
    backend = scoped(MaintenanceScope("b", paths=["/shop"]))
    assert await status(client_for, backend, "GET", "/shop", exempt_paths=["/shop"]) == 200


async def test_the_paths_option_bounds_scopes_too(client_for: Any) -> None:
    backend = scoped(MaintenanceScope("b", methods=["GET"]))
    assert await status(client_for, backend, "GET", "/shop", paths=["/billing/*"]) == 200


async def test_a_scope_refuses_the_websockets_it_selects(client_for: Any) -> None:
    sent = await websocket_session(app_for(scoped(MaintenanceScope("b", paths=["/billing/*"]))),
                                   "/billing/live")  # fmt: skip
    assert sent[-1]["type"] == "websocket.close" and sent[-1]["code"] == 1013


async def test_a_scope_selecting_methods_leaves_websockets_alone(client_for: Any) -> None:
    backend = scoped(MaintenanceScope("b", paths=["/billing/*"], methods=["GET", "POST"]))
    sent = await websocket_session(app_for(backend), "/billing/live")
    assert sent[0]["type"] == "websocket.accept" and sent[-1].get("code") != 1013


async def test_a_new_state_without_the_scope_lets_requests_through_again(client_for: Any) -> None:
    backend = scoped(MaintenanceScope("b", paths=["/shop"]))
    client = client_for(app_for(backend))
    assert (await client.get("/shop")).status_code == 503
    backend.state = backend.state.without_scope("b")
    assert (await client.get("/shop")).status_code == 200


@settings(max_examples=40, deadline=None)
@given(
    path=st.sampled_from(["/billing/invoices", "/shop", "/orders", "/login"]),
    method=st.sampled_from(["GET", "POST"]),
)
def test_a_scope_blocks_exactly_what_global_maintenance_would_among_what_it_selects(
    path: str, method: str
) -> None:
    """A scope selecting every path blocks what the global switch blocks, and nothing else."""
    from starlette.testclient import TestClient

    everything = scoped(MaintenanceScope("all", paths=["/*"]))
    globally = DetailsBackend(MaintenanceState(on=True))
    with (
        TestClient(app_for(everything)) as scoped_client,
        TestClient(app_for(globally)) as global_client,
    ):
        assert (
            scoped_client.request(method, path).status_code
            == global_client.request(method, path).status_code
        )
