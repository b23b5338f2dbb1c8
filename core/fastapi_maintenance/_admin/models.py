"""The request and response bodies of the admin router, as they appear in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from .._model.clients import Networks
from .._model.model import MAX_MESSAGE_LENGTH, MaintenanceScope, MaintenanceState, window
from .._model.paths import PathPatterns
from .._model.selectors import HTTP_METHODS
from .._model.timespec import DURATION_FORMS, MAX_DURATION, parse_duration
from .._request.openapi import UtcTime


class ScopeOut(BaseModel):
    """A named scope: the requests it picks, its details, and whether it is active now."""

    name: str
    paths: list[str] = Field(description="Exact paths (/billing) or prefixes (/billing/*).")
    methods: list[str] = Field(description="HTTP methods; empty: every method.")
    tags: list[str] = Field(description="FastAPI route tags.")
    hosts: list[str] = Field(description="Request host names, without port.")
    services: list[str] = Field(description="Service names given to the middleware.")
    active: bool = Field(description="Whether the scope blocks the requests it picks now.")
    scheduled: bool = Field(description="With a window that has not started yet.")
    read_only: bool = Field(description="Reads (GET, HEAD, OPTIONS) pass; other methods get 503.")
    message: str | None = Field(description="What users of the requests it picks are told.")
    starts_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    ends_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    updated_by: str | None
    updated_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    allow_ips: list[str] = Field(description="Ranges let through the scope's maintenance.")
    allow_paths: list[str] = Field(description="Paths let through the scope's maintenance.")

    @classmethod
    def of(cls, scope: MaintenanceScope, now: datetime | None = None) -> ScopeOut:
        at = now or datetime.now(timezone.utc)
        return cls(
            name=scope.name,
            paths=list(scope.paths),
            methods=list(scope.methods),
            tags=list(scope.tags),
            hosts=list(scope.hosts),
            services=list(scope.services),
            active=scope.state.is_active(at),
            scheduled=scope.state.is_scheduled(at),
            read_only=scope.read_only,
            message=scope.message,
            starts_at=scope.starts_at,
            ends_at=scope.ends_at,
            updated_by=scope.updated_by,
            updated_at=scope.updated_at,
            allow_ips=list(scope.allow_ips),
            allow_paths=list(scope.allow_paths),
        )


class MaintenanceStateOut(BaseModel):
    """The whole maintenance state, and whether it is active now."""

    active: bool = Field(description="Whether maintenance blocks requests now.")
    scheduled: bool = Field(description="On, with a window that has not started yet.")
    on: bool
    read_only: bool = Field(description="Reads (GET, HEAD, OPTIONS) pass; other methods get 503.")
    message: str | None = Field(description="What users are told.")
    starts_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    ends_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    updated_by: str | None
    updated_at: UtcTime | None = Field(description="ISO 8601 in UTC, written with +00:00.")
    allow_ips: list[str] = Field(description="Ranges let through by every app reading the state.")
    allow_paths: list[str] = Field(description="Paths let through by every app reading the state.")
    scopes: list[ScopeOut] = Field(
        description="The named scopes: maintenance for the requests their selectors pick."
    )

    @classmethod
    def of(cls, state: MaintenanceState) -> MaintenanceStateOut:
        now = datetime.now(timezone.utc)
        return cls(
            active=state.is_active(now),
            scheduled=state.is_scheduled(now),
            on=state.on,
            read_only=state.read_only,
            message=state.message,
            starts_at=state.starts_at,
            ends_at=state.ends_at,
            updated_by=state.updated_by,
            updated_at=state.updated_at,
            allow_ips=list(state.allow_ips),
            allow_paths=list(state.allow_paths),
            scopes=[ScopeOut.of(scope, now) for scope in state.scopes],
        )


class SwitchOn(BaseModel):
    """Switch maintenance on now, or for a window; every field is optional."""

    model_config = ConfigDict(extra="forbid")

    message: str | None = Field(
        default=None,
        max_length=MAX_MESSAGE_LENGTH,
        description="What users are told, in the 503 JSON and page.",
        examples=["Database upgrade, back at 03:00 UTC"],
    )
    duration: float | str | None = Field(
        default=None,
        description=f"How long it lasts: seconds, or {DURATION_FORMS}; counted from "
        "starts_at when given, else from now. Not with ends_at.",
        examples=["30m", 1800],
    )
    starts_at: AwareDatetime | None = Field(
        default=None, description="When it starts (ISO 8601 with an offset); default now."
    )
    ends_at: AwareDatetime | None = Field(
        default=None, description="When it ends (ISO 8601 with an offset). Not with duration."
    )
    read_only: bool = Field(default=False, description="Let reads pass; block writes.")
    allow_ips: list[str] = Field(
        default_factory=list,
        description="Addresses or CIDR ranges every app reading the state lets through, on "
        "top of its own allow_ips.",
        examples=[["10.0.0.0/8", "2001:db8::/32"]],
    )
    allow_paths: list[str] = Field(
        default_factory=list,
        description="Exact paths (/health) or prefixes (/internal/*) every app reading the "
        "state lets through, on top of its own exempt_paths.",
        examples=[["/internal/*"]],
    )

    @field_validator("allow_ips")
    @classmethod
    def _ranges_parse(cls, value: list[str]) -> list[str]:
        Networks(value, "allow_ips")
        return value

    @field_validator("allow_paths")
    @classmethod
    def _paths_parse(cls, value: list[str]) -> list[str]:
        PathPatterns(value, "allow_paths")
        return value

    @field_validator("duration")
    @classmethod
    def _duration_parses(cls, value: float | str | None) -> float | str | None:
        if isinstance(value, str):
            parse_duration(value)
        elif value is not None and not 1 <= value <= MAX_DURATION.total_seconds():
            raise ValueError(
                f"duration must be at least 1 and at most {MAX_DURATION.total_seconds():.0f} "
                f"seconds; or {DURATION_FORMS}"
            )
        return value

    @model_validator(mode="after")
    def _one_end(self) -> SwitchOn:
        if self.duration is not None and self.ends_at is not None:
            raise ValueError("give either duration or ends_at, not both")
        return self

    def span(self) -> timedelta | None:
        """``duration`` as a ``timedelta``, ``None`` when not given."""
        if self.duration is None:
            return None
        if isinstance(self.duration, str):
            return parse_duration(self.duration)
        return timedelta(seconds=self.duration)


class Schedule(SwitchOn):
    """Switch maintenance on for a window that starts later (or now) and turns off by itself."""

    starts_at: AwareDatetime = Field(description="When it starts (ISO 8601 with an offset).")


class StateIn(SwitchOn):
    """The whole state: on with its details, or off (which takes no details)."""

    on: bool


class ScopeIn(SwitchOn):
    """A scope to create or replace: at least one selector, and the details of ``on``.

    The selectors are checked as ``MaintenanceScope`` checks them, with its messages.
    """

    paths: list[str] = Field(
        default_factory=list,
        description="Exact paths (/billing) or everything below one (/billing/*), as the app "
        "routes on.",
        examples=[["/billing/*"]],
    )
    methods: list[str] = Field(
        default_factory=list,
        description=f"HTTP methods ({', '.join(HTTP_METHODS)}); empty: every method.",
        examples=[["POST", "PUT"]],
    )
    tags: list[str] = Field(default_factory=list, description="FastAPI route tags.")
    hosts: list[str] = Field(
        default_factory=list,
        description="Request host names, without port.",
        examples=[["eu.shop.example"]],
    )
    services: list[str] = Field(
        default_factory=list,
        description="Service names given to the middleware (service=...).",
        examples=[["billing"]],
    )

    def scope(self, name: str, by: str) -> MaintenanceScope:
        """The scope ``name`` this body describes, signed ``by``; ``ValueError`` or
        ``TypeError`` (the model's) when it cannot be one."""
        starts_at, ends_at = window(
            starts_at=self.starts_at, ends_at=self.ends_at, duration=self.span()
        )
        return MaintenanceScope(
            name=name,
            paths=tuple(self.paths),
            methods=tuple(self.methods),
            tags=tuple(self.tags),
            hosts=tuple(self.hosts),
            services=tuple(self.services),
            read_only=self.read_only,
            message=self.message,
            starts_at=starts_at,
            ends_at=ends_at,
            updated_by=by,
            allow_ips=tuple(self.allow_ips),
            allow_paths=tuple(self.allow_paths),
        )
