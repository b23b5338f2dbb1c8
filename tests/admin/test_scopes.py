"""The admin router's scopes: list, create or replace, and end them over JSON, and from the
page's forms."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings

from fastapi_maintenance import MaintenanceScope, MaintenanceState, admin_router
from fastapi_maintenance._admin.models import ScopeOut
from fastapi_maintenance._admin.page import CSRF_COOKIE
from fastapi_maintenance.testing._states import scope_strategy

from .support import AUTH, DetailsMemoryBackend

pytestmark = pytest.mark.anyio

STATE = "/admin/maintenance"
SCOPES = f"{STATE}/scopes"
PAGE = f"{STATE}/page"
BILLING = {"paths": ["/billing/*"], "methods": ["post"], "message": "Billing is down"}


async def put(client: httpx.AsyncClient, name: str, body: object) -> httpx.Response:
    return await client.put(f"{SCOPES}/{name}", headers=AUTH, json=body)


async def test_put_creates_a_scope_signed_by_the_operator_and_answers_it(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    response = await put(client, "billing", {**BILLING, "duration": "30m"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["paths"], body["methods"]) == ("billing", ["/billing/*"], ["POST"])
    assert (body["active"], body["scheduled"], body["updated_by"]) == (True, False, "alice")
    assert body["ends_at"] is not None
    scope = backend.state.scope_named("billing")
    assert scope is not None and scope.message == "Billing is down"
    assert backend.state.on is False


async def test_put_on_a_stored_name_replaces_the_scope(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    await put(client, "billing", BILLING)
    response = await put(client, "billing", {"hosts": ["EU.shop.example"]})
    assert response.status_code == 200, response.text
    (scope,) = backend.state.scopes
    assert (scope.paths, scope.hosts, scope.message) == ((), ("eu.shop.example",), None)


async def test_get_scopes_lists_them_and_get_state_includes_them(
    client: httpx.AsyncClient,
) -> None:
    await put(client, "exports", {"tags": ["exports"]})
    await put(client, "billing", BILLING)
    listed = (await client.get(SCOPES, headers=AUTH)).json()
    assert [scope["name"] for scope in listed] == ["billing", "exports"]
    state = (await client.get(STATE, headers=AUTH)).json()
    assert state["scopes"] == listed
    assert state["active"] is False


@pytest.mark.parametrize(
    ("name", "body", "expected"),
    [
        ("billing", {"paths": ["billing"]}, "paths: 'billing' must start with '/'"),
        ("billing", {"paths": ["/bil*ling"]}, "paths: '/bil*ling' has a '*'"),
        ("billing", {"methods": ["FETCH"]}, "methods: 'FETCH' is not an HTTP method"),
        ("billing", {"message": "no selector"}, "a scope needs at least one selector"),
        ("bad!name", {"paths": ["/billing"]}, "name: 'bad!name' is not accepted"),
    ],
)
async def test_a_malformed_scope_is_a_422_with_the_models_message_writing_nothing(
    client: httpx.AsyncClient,
    backend: DetailsMemoryBackend,
    name: str,
    body: dict[str, object],
    expected: str,
) -> None:
    response = await put(client, name, body)
    assert response.status_code == 422
    assert expected in response.json()["detail"]
    assert backend.writes == 0


async def test_put_refuses_a_body_not_sent_as_json(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    """As a cross-site form would send it: the content is JSON, the type is not."""
    headers = {**AUTH, "Content-Type": "text/plain"}
    response = await client.put(
        f"{SCOPES}/billing", headers=headers, content=json.dumps(BILLING).encode()
    )
    assert response.status_code == 415, response.text
    assert backend.writes == 0


async def test_scope_routes_answer_401_without_the_operators_token(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    assert (await client.get(SCOPES)).status_code == 401
    assert (await client.put(f"{SCOPES}/billing", json=BILLING)).status_code == 401
    assert (await client.delete(f"{SCOPES}/billing")).status_code == 401
    assert backend.writes == 0


async def test_delete_ends_the_scope_and_answers_the_state(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    await put(client, "billing", BILLING)
    await put(client, "exports", {"tags": ["exports"]})
    response = await client.delete(f"{SCOPES}/billing", headers=AUTH)
    assert response.status_code == 200, response.text
    assert [scope["name"] for scope in response.json()["scopes"]] == ["exports"]
    assert [scope.name for scope in backend.state.scopes] == ["exports"]


async def test_delete_of_a_scope_that_is_not_stored_is_a_404_writing_nothing(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    response = await client.delete(f"{SCOPES}/billing", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"detail": "there is no scope named 'billing'"}
    assert backend.writes == 0


async def test_the_global_switch_keeps_the_scopes_and_off_ends_them(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    await put(client, "billing", BILLING)
    on = (await client.post(f"{STATE}/on", headers=AUTH, json={})).json()
    assert (on["active"], [scope["name"] for scope in on["scopes"]]) == (True, ["billing"])
    off = (await client.post(f"{STATE}/off", headers=AUTH, json={})).json()
    assert (off["active"], off["scopes"]) == (False, [])


async def test_scope_routes_stay_reachable_while_maintenance_is_on(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    backend.state = MaintenanceState(on=True)
    assert (await put(client, "billing", BILLING)).status_code == 200
    assert (await client.get(SCOPES, headers=AUTH)).status_code == 200
    assert (await client.delete(f"{SCOPES}/billing", headers=AUTH)).status_code == 200


async def page_token(client: httpx.AsyncClient) -> str:
    page = await client.get(PAGE, headers=AUTH)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None and CSRF_COOKIE in page.cookies
    return found.group(1)


async def post_page(client: httpx.AsyncClient, fields: dict[str, str]) -> httpx.Response:
    return await client.post(
        PAGE, headers=AUTH, data={"csrf_token": await page_token(client), **fields}
    )


async def test_the_page_lists_each_scope_with_an_end_button(
    client: httpx.AsyncClient,
) -> None:
    await put(client, "billing", BILLING)
    page = (await client.get(PAGE, headers=AUTH)).text
    item = page[page.index('id="scope-billing"') :]
    item = item[: item.index("</li>")]
    assert "/billing/*" in item and "POST" in item and "Billing is down" in item
    assert 'id="end-billing"' in item


async def test_the_page_form_creates_a_scope(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    response = await post_page(
        client,
        {"action": "scope-on", "scope_name": "billing", "scope_paths": "/billing/*, /pay",
         "scope_tags": "Billing API", "scope_message": "Back soon", "scope_duration": "1h"},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    scope = backend.state.scope_named("billing")
    assert scope is not None
    assert (scope.paths, scope.tags, scope.updated_by) == (
        ("/billing/*", "/pay"),
        ("Billing API",),
        "alice",
    )
    assert scope.ends_at is not None


async def test_the_page_end_button_ends_the_scope(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    await put(client, "billing", BILLING)
    response = await post_page(client, {"action": "scope-end", "scope": "billing"})
    assert response.status_code == 303, response.text
    assert backend.state.scopes == ()


async def test_a_refused_scope_on_the_page_says_why_and_keeps_what_was_typed(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    response = await post_page(
        client, {"action": "scope-on", "scope_name": "billing", "scope_paths": "billing"}
    )
    assert response.status_code == 422
    assert "paths: &#x27;billing&#x27; must start with &#x27;/&#x27;" in response.text
    assert 'name="scope_paths" value="billing"' in response.text
    assert backend.writes == 0


@given(scope_strategy())
def test_every_scope_reads_back_from_its_json_answer_as_it_was(scope: MaintenanceScope) -> None:
    answered = ScopeOut.of(scope).model_dump(mode="json")
    assert MaintenanceScope.from_dict(answered) == scope


@settings(max_examples=50, deadline=None)
@given(scope_strategy())
def test_put_accepts_every_scope_the_model_accepts(scope: MaintenanceScope) -> None:
    backend = DetailsMemoryBackend()
    app = FastAPI()
    app.include_router(
        admin_router(backend=backend, allow_unauthenticated_i_know_this_is_unsafe=True)
    )
    body = ScopeOut.of(scope).model_dump(mode="json", exclude={"name", "active", "scheduled"})
    del body["updated_by"], body["updated_at"]
    with TestClient(app) as client:
        response = client.put(f"/maintenance/scopes/{scope.name}", json=body)
    assert response.status_code == 200, response.text
    stored = backend.state.scope_named(scope.name)
    assert stored == replace(
        scope, updated_by="admin", updated_at=stored.updated_at if stored else None
    )
