"""``MAINTENANCE_RESPONSES`` documents the 503 in OpenAPI: on the operations it is added to,
with the ``Retry-After`` header and a body schema that the middleware's real bodies fit."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from fastapi_maintenance import MaintenanceModeMiddleware, MaintenanceState
from fastapi_maintenance.responses import MAINTENANCE_RESPONSES, MaintenanceBody

from .support import DetailsBackend

pytestmark = pytest.mark.anyio

NOW = datetime.now(timezone.utc)
DETAILED = MaintenanceState(
    on=True,
    read_only=True,
    message="Database upgrade, back at 13:30 UTC",
    starts_at=NOW - timedelta(minutes=5),
    ends_at=NOW + timedelta(minutes=90),
)


def shop(**app_options: Any) -> FastAPI:
    """Two operations documented through the app, one router with and one without."""
    app = FastAPI(**app_options)
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    app.get("/items")(lambda: [1, 2])
    app.post("/items")(lambda: {"added": True})
    return app


async def openapi_of(client_for: Any, app: FastAPI) -> dict[str, Any]:
    response = await client_for(app).get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def documented(document: dict[str, Any]) -> dict[str, bool]:
    """``"GET /items": True`` for each operation whose responses list the 503."""
    return {
        f"{method.upper()} {path}": "503" in operation["responses"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def body_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The 503's JSON schema, its reference resolved as a client generator does."""
    content = document["paths"][path][method]["responses"]["503"]["content"]
    reference = content["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = resolve(document, reference)
    return schema


def resolve(document: dict[str, Any], reference: str) -> Any:
    found: Any = document
    for part in reference.removeprefix("#/").split("/"):
        found = found[part]
    return found


def conforms(document: dict[str, Any], value: Any, schema: dict[str, Any]) -> bool:
    """Whether ``value`` fits ``schema``: just the JSON Schema keywords FastAPI writes."""
    if "$ref" in schema:
        return conforms(document, value, resolve(document, schema["$ref"]))
    if "anyOf" in schema:
        return any(conforms(document, value, option) for option in schema["anyOf"])
    kinds = {"string": str, "integer": int, "boolean": bool, "object": dict, "null": type(None)}
    kind = schema.get("type")
    if kind is not None and type(value) is not kinds[kind]:
        return False
    if kind == "string" and schema.get("format") == "date-time":
        datetime.fromisoformat(value)
    if kind == "object":
        properties = schema.get("properties", {})
        return set(schema.get("required", ())) <= set(value) <= set(properties) and all(
            conforms(document, item, properties[key]) for key, item in value.items()
        )
    return True


# where it is documented ----------------------------------------------------------------


async def test_added_to_the_app_every_operation_lists_the_503(client_for: Any) -> None:
    document = await openapi_of(client_for, shop(responses=MAINTENANCE_RESPONSES))
    assert documented(document) == {"GET /items": True, "POST /items": True}


async def test_added_to_a_router_or_an_include_only_its_operations_list_it(
    client_for: Any,
) -> None:
    app = shop()
    orders = APIRouter(prefix="/orders", responses=MAINTENANCE_RESPONSES)
    orders.get("")(lambda: [])
    reports = APIRouter(prefix="/reports")
    reports.get("")(lambda: [])
    app.include_router(orders)
    app.include_router(reports, responses=MAINTENANCE_RESPONSES)
    app.get("/export", responses=MAINTENANCE_RESPONSES)(lambda: "csv")
    assert documented(await openapi_of(client_for, app)) == {
        "GET /items": False,
        "POST /items": False,
        "GET /orders": True,
        "GET /reports": True,
        "GET /export": True,
    }


async def test_the_503_describes_retry_after_as_whole_seconds(client_for: Any) -> None:
    document = await openapi_of(client_for, shop(responses=MAINTENANCE_RESPONSES))
    header = document["paths"]["/items"]["get"]["responses"]["503"]["headers"]["Retry-After"]
    assert header["schema"] == {"type": "integer", "minimum": 0}
    assert "seconds" in header["description"].lower()


async def test_the_503_offers_json_first_and_the_browsers_page(client_for: Any) -> None:
    document = await openapi_of(client_for, shop(responses=MAINTENANCE_RESPONSES))
    content = document["paths"]["/items"]["post"]["responses"]["503"]["content"]
    assert list(content) == ["application/json", "text/html"]


async def test_a_generated_client_requires_only_detail(client_for: Any) -> None:
    document = await openapi_of(client_for, shop(responses=MAINTENANCE_RESPONSES))
    schema = body_schema(document, "/items", "get")
    assert schema["required"] == ["detail"]
    assert set(schema["properties"]) == {"detail", "maintenance"}
    maintenance = schema["properties"]["maintenance"]
    # A reference, or (older pydantic, for a field with a description) one inside allOf.
    reference = maintenance.get("$ref") or maintenance["allOf"][0]["$ref"]
    details = resolve(document, reference)
    always = {"read_only", "message", "starts_at", "ends_at", "retry_after"}
    assert set(details["required"]) == always
    # "scope" is sent only for a request a scope blocked.
    assert set(details["properties"]) == always | {"scope"}


async def test_building_schemas_leaves_the_shared_dict_unchanged(client_for: Any) -> None:
    before = copy.deepcopy(MAINTENANCE_RESPONSES)
    for _ in range(2):
        await openapi_of(client_for, shop(responses=MAINTENANCE_RESPONSES))
    assert before == MAINTENANCE_RESPONSES


# what it describes fits what is sent ---------------------------------------------------


@pytest.mark.parametrize(
    "state", [MaintenanceState(on=True), DETAILED], ids=["plain state", "state with details"]
)
async def test_the_documented_schema_fits_the_503_the_middleware_sends(
    client_for: Any, state: MaintenanceState
) -> None:
    app = FastAPI(responses=MAINTENANCE_RESPONSES)
    app.add_middleware(MaintenanceModeMiddleware, backend=DetailsBackend(state))
    app.post("/items")(lambda: {"added": True})
    client = client_for(app)
    sent = await client.post("/items")
    assert sent.status_code == 503
    document = (await client.get("/openapi.json")).json()
    assert conforms(document, sent.json(), body_schema(document, "/items", "post"))
    header = document["paths"]["/items"]["post"]["responses"]["503"]["headers"]["Retry-After"]
    assert conforms(document, int(sent.headers["retry-after"]), header["schema"])


@pytest.mark.parametrize(
    "state", [MaintenanceState(on=True), DETAILED], ids=["plain state", "state with details"]
)
async def test_the_model_reads_the_503_and_writes_it_back_unchanged(
    client_for: Any, state: MaintenanceState
) -> None:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=DetailsBackend(state))
    app.post("/items")(lambda: {"added": True})
    body = (await client_for(app).post("/items")).json()
    parsed = MaintenanceBody.model_validate(body)
    assert parsed.model_dump(mode="json", exclude_unset=True) == body
    assert (parsed.maintenance is None) is (not state.has_details)
