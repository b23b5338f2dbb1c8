"""The maintenance 503 as OpenAPI describes it, so generated clients know its body and header.

Imported by ``fastapi_maintenance.responses`` on first use only: the middleware itself
never imports pydantic.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

__all__ = ["MAINTENANCE_RESPONSES", "MaintenanceBody", "MaintenanceDetails"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


#: A time as the rest of the package writes it (the 503 body, ``status --json``, the stores):
#: ISO 8601 in UTC with ``+00:00``, as Python's ``isoformat()`` gives it, never ``Z``.
UtcTime = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class MaintenanceDetails(BaseModel):
    """The maintenance state, sent with every key (null for what the state lacks)."""

    read_only: bool = Field(description="Reads (GET, HEAD, OPTIONS) pass; other methods get 503.")
    message: str | None = Field(description="What users are told.")
    starts_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    ends_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    retry_after: int | None = Field(
        description="The Retry-After header's seconds, or null when the header is not sent."
    )
    # Absent rather than null for the global state: the schema offers no null.
    scope: str | SkipJsonSchema[None] = Field(
        default=None, description="The maintenance scope that blocked the request, if one did."
    )


class MaintenanceBody(BaseModel):
    """The JSON body of the maintenance 503. The maintenance object is sent only for a state
    with a message, a window, read-only mode or allow-lists, and for a scope."""

    detail: str = Field(description="The state's message, else a sentence saying why.")
    # Absent rather than null when the state has no details: the schema offers no null.
    maintenance: MaintenanceDetails | SkipJsonSchema[None] = Field(
        default=None, description="Sent only for a state with details."
    )


#: ``responses=`` for ``FastAPI``, ``APIRouter``, ``include_router`` or a route: documents the
#: 503 the middleware answers with, its ``Retry-After`` header and its JSON body.
MAINTENANCE_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {
        "model": MaintenanceBody,
        "description": "Down for maintenance: try again after Retry-After seconds.",
        "headers": {
            "Retry-After": {
                "description": "Seconds until maintenance is expected to end: counted to the "
                "state's end when it has one, else the middleware's retry_after; left out "
                "when that is None and the state has no end.",
                "schema": {"type": "integer", "minimum": 0},
            },
            "Cache-Control": {
                "description": "Always no-store: the answer lasts only as long as maintenance.",
                "schema": {"type": "string", "enum": ["no-store"]},
            },
        },
        # JSON first (FastAPI fills in its schema): clients that read one type take it.
        "content": {
            "application/json": {},
            "text/html": {"schema": {"type": "string", "description": "For browsers."}},
        },
    }
}
