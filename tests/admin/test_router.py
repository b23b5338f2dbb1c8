"""``admin_router()``: read and switch the state over HTTP, behind the app's auth, reachable
while maintenance is on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Header
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from fastapi_maintenance import (
    BackendUnavailableError,
    BaseStateBackend,
    MaintenanceState,
    admin_router,
)
from fastapi_maintenance._admin.models import SwitchOn
from fastapi_maintenance._model.model import MAX_NAME_LENGTH
from fastapi_maintenance.backends import LocalFileBackend
from tests.conftest import asgi_client

from .support import AUTH, DetailsMemoryBackend, OnOffMemoryBackend, shop_app

pytestmark = pytest.mark.anyio

STATE = "/admin/maintenance"
MESSAGE = "Database upgrade, back at 03:00 UTC"


def later(**delta: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat()


def test_building_it_without_an_auth_dependency_raises_naming_the_opt_out() -> None:
    with pytest.raises(ValueError, match="allow_unauthenticated_i_know_this_is_unsafe=True"):
        admin_router()


async def test_the_unsafe_opt_out_builds_a_router_anyone_can_use() -> None:
    backend = DetailsMemoryBackend()
    app = FastAPI()
    app.include_router(
        admin_router(backend=backend, allow_unauthenticated_i_know_this_is_unsafe=True)
    )
    async with asgi_client(app) as client:
        response = await client.post("/maintenance/on", json={})
    assert response.status_code == 200
    assert response.json()["updated_by"] == "admin"


async def test_every_route_answers_401_without_the_operators_token(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    assert (await client.get(STATE)).status_code == 401
    assert (await client.post(f"{STATE}/on", json={})).status_code == 401
    assert (await client.get(f"{STATE}/page")).status_code == 401
    assert backend.writes == 0


async def test_get_answers_the_whole_state(client: httpx.AsyncClient) -> None:
    response = await client.get(STATE, headers=AUTH)
    assert response.status_code == 200
    assert response.json() == {
        "active": False,
        "scheduled": False,
        "on": False,
        "read_only": False,
        "message": None,
        "starts_at": None,
        "ends_at": None,
        "updated_by": None,
        "updated_at": None,
        "allow_ips": [],
        "allow_paths": [],
        "scopes": [],
    }


async def test_on_with_a_message_for_30m_blocks_the_app_but_not_the_router(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{STATE}/on", headers=AUTH, json={"message": MESSAGE, "duration": "30m"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["active"], body["message"], body["updated_by"]) == (True, MESSAGE, "alice")
    left = datetime.fromisoformat(body["ends_at"]) - datetime.now(timezone.utc)
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    assert (await client.get("/items")).status_code == 503
    assert (await client.get(STATE, headers=AUTH)).json()["active"] is True
    assert (await client.get(f"{STATE}/page", headers=AUTH)).status_code == 200


async def test_off_clears_the_message_and_window_and_reopens_the_app(
    client: httpx.AsyncClient,
) -> None:
    await client.post(f"{STATE}/on", headers=AUTH, json={"message": MESSAGE, "duration": 600})
    response = await client.post(f"{STATE}/off", headers=AUTH, json={})
    assert response.status_code == 200
    body = response.json()
    assert (body["on"], body["message"], body["ends_at"]) == (False, None, None)
    assert (await client.get("/items")).status_code == 200


async def test_schedule_sets_a_window_that_has_not_started(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{STATE}/schedule",
        headers=AUTH,
        json={"starts_at": later(hours=1), "duration": "1h30m", "read_only": True},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["scheduled"], body["active"], body["read_only"]) == (True, False, True)
    assert (await client.get("/items")).status_code == 200


async def test_schedule_needs_a_start(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{STATE}/schedule", headers=AUTH, json={"duration": "1h"})
    assert response.status_code == 422


async def test_put_sets_the_whole_state_and_off_takes_no_details(
    client: httpx.AsyncClient,
) -> None:
    on = await client.put(STATE, headers=AUTH, json={"on": True, "ends_at": later(hours=2)})
    assert on.json()["active"] is True
    refused = await client.put(STATE, headers=AUTH, json={"on": False, "message": MESSAGE})
    assert refused.status_code == 422
    assert refused.json()["detail"] == "message only go with on: true; switching off clears them"
    off = await client.put(STATE, headers=AUTH, json={"on": False})
    assert off.json()["on"] is False


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"duration": "1h", "ends_at": "2099-01-01T00:00:00Z"}, "give either duration or ends_at"),
        ({"duration": "half an hour"}, "90s, 30m, 2h, 1h30m or 1d"),
        ({"duration": 0}, "duration must be at least 1"),
        ({"ends_at": "2099-01-01T00:00:00"}, "timezone"),
        ({"ends_at": "2000-01-01T00:00:00Z"}, "has already passed"),
        ({"message": "x" * 501}, "at most 500 characters"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"ends_at": "9999-12-31T23:59:59-00:01"}, "ends_at is out of range"),
    ],
    ids=[
        "duration and end",
        "bad duration",
        "zero",
        "naive",
        "past",
        "long",
        "unknown field",
        "end past the year 9999 in UTC",
    ],
)
async def test_invalid_input_answers_422_with_what_is_wrong_and_writes_nothing(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend, body: dict[str, object], says: str
) -> None:
    response = await client.post(f"{STATE}/on", headers=AUTH, json=body)
    assert response.status_code == 422
    assert says in response.text
    assert backend.writes == 0


async def test_a_driver_storing_only_on_and_off_answers_409_and_plain_on_still_works() -> None:
    backend = OnOffMemoryBackend()
    async with asgi_client(shop_app(backend)) as client:
        refused = await client.post(f"{STATE}/on", headers=AUTH, json={"message": MESSAGE})
        assert refused.status_code == 409
        assert "stores only on and off" in refused.json()["detail"]
        assert backend.value is False
        plain = await client.post(f"{STATE}/on", headers=AUTH, json={})
        assert plain.json()["active"] is True


class DownBackend(BaseStateBackend):
    """A store that cannot be reached."""

    stores_details = True

    async def get_value(self) -> bool:
        raise BackendUnavailableError("cache.internal:6379 is down")

    async def set_value(self, value: bool) -> None:
        raise BackendUnavailableError("cache.internal:6379 is down")

    async def set_state(self, state: MaintenanceState) -> None:
        raise BackendUnavailableError("cache.internal:6379 is down")


async def test_an_unreachable_store_answers_503_with_the_cause() -> None:
    async with asgi_client(shop_app(DownBackend())) as client:
        read = await client.get(STATE, headers=AUTH)
        write = await client.post(f"{STATE}/on", headers=AUTH, json={})
    assert (read.status_code, write.status_code) == (503, 503)
    assert "cache.internal:6379 is down" in write.json()["detail"]


async def test_a_stored_time_out_of_range_answers_503_as_any_invalid_state(
    tmp_path: Path,
) -> None:
    state_file = tmp_path / "maintenance"
    state_file.write_text(
        '{"fastapi_maintenance": 1, "on": true, "ends_at": "9999-12-31T23:59:59-00:01"}'
    )
    async with asgi_client(shop_app(LocalFileBackend(state_file))) as client:
        read = await client.get(STATE, headers=AUTH)
    assert read.status_code == 503
    assert "ends_at is out of range" in read.json()["detail"]


#: Every write route, with a body it accepts: (method, path under the prefix, JSON body).
WRITES = [
    ("POST", "/on", {"message": MESSAGE}),
    ("POST", "/off", {}),
    ("POST", "/schedule", {"starts_at": "2099-01-01T00:00:00Z", "duration": "1h"}),
    ("PUT", "", {"on": True, "message": MESSAGE}),
]
WRITE_IDS = ["POST /on", "POST /off", "POST /schedule", "PUT"]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=WRITE_IDS)
async def test_every_write_accepts_json_with_a_charset(
    client: httpx.AsyncClient,
    backend: DetailsMemoryBackend,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    headers = {**AUTH, "Content-Type": "application/json; charset=utf-8"}
    response = await client.request(
        method, f"{STATE}{path}", headers=headers, content=json.dumps(body).encode()
    )
    assert response.status_code == 200, response.text
    assert backend.writes == 1
    assert response.json()["message"] == body.get("message")


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=WRITE_IDS)
@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/plain; charset=application/json",
        "application/jsonp",
        None,
    ],
    ids=["form", "multipart", "text", "text naming json", "jsonp", "none"],
)
async def test_a_write_that_is_not_json_is_refused_so_a_cross_site_form_cannot_make_it(
    client: httpx.AsyncClient,
    backend: DetailsMemoryBackend,
    method: str,
    path: str,
    body: dict[str, Any],
    content_type: str | None,
) -> None:
    headers = dict(AUTH) if content_type is None else {**AUTH, "Content-Type": content_type}
    response = await client.request(
        method, f"{STATE}{path}", headers=headers, content=json.dumps(body).encode()
    )
    assert response.status_code == 415, response.text
    assert "Content-Type: application/json" in response.json()["detail"]
    assert backend.writes == 0


def named_operator(x_operator: str = Header()) -> str:
    """Who makes a change: the operator named in the request, so that two can differ."""
    return x_operator


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/off", {}), ("PUT", "", {"on": False})],
    ids=["POST /off", "PUT on false"],
)
async def test_switching_off_keeps_who_switched_it_off(
    backend: DetailsMemoryBackend, method: str, path: str, body: dict[str, Any]
) -> None:
    async with asgi_client(shop_app(backend, updated_by=named_operator)) as client:
        on = await client.post(
            f"{STATE}/on", headers={**AUTH, "X-Operator": "alice"}, json={"message": MESSAGE}
        )
        assert on.json()["updated_by"] == "alice"
        off = await client.request(
            method, f"{STATE}{path}", headers={**AUTH, "X-Operator": "bob"}, json=body
        )
        assert (off.json()["on"], off.json()["updated_by"]) == (False, "bob")
        read = await client.get(STATE, headers=AUTH)
    assert read.json()["updated_by"] == "bob"
    assert (backend.state.on, backend.state.updated_by) == (False, "bob")


async def test_writes_are_never_get(client: httpx.AsyncClient) -> None:
    for path in ("/on", "/off", "/schedule"):
        assert (await client.get(f"{STATE}{path}", headers=AUTH)).status_code == 405


async def test_without_updated_by_changes_are_signed_admin() -> None:
    backend = DetailsMemoryBackend()
    async with asgi_client(shop_app(backend, updated_by=None)) as client:
        await client.post(f"{STATE}/on", headers=AUTH, json={})
    assert backend.state.updated_by == "admin"


def test_the_request_and_response_models_are_in_the_openapi_schema() -> None:
    schema = shop_app(DetailsMemoryBackend()).openapi()
    models = schema["components"]["schemas"]
    assert {"MaintenanceStateOut", "SwitchOn", "Schedule", "StateIn"} <= set(models)
    on = schema["paths"][f"{STATE}/on"]["post"]
    assert on["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MaintenanceStateOut"
    }
    assert "SwitchOn" in str(on["requestBody"])


def test_the_package_exports_admin_router_and_loads_it_only_when_asked() -> None:
    code = (
        "import sys, fastapi_maintenance as fm\n"
        "assert 'admin_router' in fm.__all__\n"
        "assert 'fastapi_maintenance.admin' not in sys.modules\n"
        "from fastapi_maintenance import admin_router\n"
        "assert admin_router.__module__ == 'fastapi_maintenance.admin'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@given(st.one_of(st.text(), st.floats(allow_nan=True), st.integers()))
def test_any_duration_is_either_accepted_or_refused_with_a_message(duration: object) -> None:
    try:
        wanted = SwitchOn.model_validate({"duration": duration})
    except ValidationError as exc:
        assert exc.errors()[0]["msg"]
    else:
        span = wanted.span()
        assert span is not None and span > timedelta(0)


async def test_on_stores_allow_lists_the_app_honours(client: httpx.AsyncClient) -> None:
    lists = {"allow_ips": ["10.0.0.0/8"], "allow_paths": ["/items"]}
    response = await client.post(f"{STATE}/on", headers=AUTH, json=lists)
    assert response.status_code == 200
    body = response.json()
    assert (body["allow_ips"], body["allow_paths"]) == (lists["allow_ips"], lists["allow_paths"])
    assert (await client.get("/items")).status_code == 200


async def test_schedule_takes_allow_lists(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{STATE}/schedule",
        headers=AUTH,
        json={"starts_at": later(hours=1), "allow_paths": ["/internal/*"]},
    )
    assert response.status_code == 200
    assert response.json()["allow_paths"] == ["/internal/*"]


@pytest.mark.parametrize(
    ("lists", "accepted"),
    [
        ({"allow_ips": ["10.0.0.1/8"]}, "did you mean '10.0.0.0/8'?"),
        ({"allow_paths": ["internal/*"]}, "accepted: an exact path such as '/health'"),
    ],
)
async def test_a_malformed_allow_entry_is_a_422_saying_what_is_accepted(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend, lists: dict[str, Any], accepted: str
) -> None:
    response = await client.post(f"{STATE}/on", headers=AUTH, json=lists)
    assert response.status_code == 422
    assert accepted in response.text
    assert (await backend.get_state()).on is False


class User:
    """A user as auth dependencies answer it, with whichever of the name fields it has."""

    def __init__(self, **fields: str | None) -> None:
        self.__dict__.update(fields)

    def __str__(self) -> str:
        return "user #7"


@pytest.mark.parametrize(
    ("user", "signed"),
    [
        (User(username="alice", email="alice@shop.example", name="Alice"), "alice"),
        (User(username=None, email="alice@shop.example", is_superuser="1"), "alice@shop.example"),
        (User(username="", name="Alice"), "Alice"),
        ({"username": "alice", "scopes": ["admin"]}, "alice"),
        (User(id="7"), "user #7"),
        ("alice", "alice"),
        (None, "admin"),
    ],
    ids=["username", "email", "name", "mapping", "str", "a name", "none"],
)
async def test_updated_by_may_answer_a_user_object_and_the_change_is_signed_with_its_name(
    backend: DetailsMemoryBackend, user: object, signed: str
) -> None:
    def current_superuser() -> object:
        return user

    async with asgi_client(shop_app(backend, updated_by=current_superuser)) as client:
        on = await client.post(f"{STATE}/on", headers=AUTH, json={})
        token = await client.get(f"{STATE}/page", headers=AUTH)
        off = await client.post(
            f"{STATE}/page",
            headers=AUTH,
            data={"csrf_token": form_token_in(token.text), "action": "off"},
        )
    assert (on.status_code, on.json()["updated_by"]) == (200, signed)
    assert (off.status_code, backend.state.updated_by) == (303, signed)


def form_token_in(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


async def test_a_name_longer_than_a_state_holds_is_cut_to_fit(
    backend: DetailsMemoryBackend,
) -> None:
    def current_user() -> User:
        return User(email="a" * 300 + "@shop.example")

    async with asgi_client(shop_app(backend, updated_by=current_user)) as client:
        on = await client.post(f"{STATE}/on", headers=AUTH, json={})
    assert on.status_code == 200
    assert on.json()["updated_by"] == "a" * MAX_NAME_LENGTH


@pytest.mark.parametrize(
    ("updated_by", "said"),
    [
        ("alice", "must be a dependency FastAPI can call .* got str"),
        (Depends(named_operator), r"not Depends\(get_current_user\)"),
    ],
    ids=["a string", "Depends()"],
)
def test_an_updated_by_fastapi_cannot_call_is_refused_when_the_router_is_built(
    updated_by: Any, said: str
) -> None:
    with pytest.raises(TypeError, match=said):
        admin_router(dependencies=[Depends(named_operator)], updated_by=updated_by)


async def test_times_are_written_with_an_offset_as_the_503_body_and_the_cli_write_them(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    window = {"starts_at": "2000-01-01T00:00:00Z", "ends_at": "2099-01-01T03:00:00.5Z"}
    on = (await client.post(f"{STATE}/on", headers=AUTH, json=window)).json()
    blocked = (await client.get("/items", headers={"Accept": "application/json"})).json()
    assert on["ends_at"] == blocked["maintenance"]["ends_at"] == "2099-01-01T03:00:00.500000+00:00"
    assert on["starts_at"] == backend.state.to_dict()["starts_at"] == "2000-01-01T00:00:00+00:00"
    read = (await client.get(STATE, headers=AUTH)).json()
    assert read["updated_at"] == backend.state.to_dict()["updated_at"]
    assert read["updated_at"].endswith("+00:00")


def test_the_html_page_is_left_out_of_the_openapi_schema() -> None:
    paths = shop_app(DetailsMemoryBackend()).openapi()["paths"]
    assert f"{STATE}/page" not in paths
    assert set(paths) == {
        STATE,
        f"{STATE}/on",
        f"{STATE}/off",
        f"{STATE}/schedule",
        f"{STATE}/scopes",
        f"{STATE}/scopes/{{name}}",
        "/items",
    }
