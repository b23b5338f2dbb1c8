"""``admin_router()``: read and switch the maintenance state over HTTP, behind your auth.

The router's routes are forced off, so they stay reachable while maintenance is on. Every
write is a ``POST`` or a ``PUT``. Building it without an auth dependency raises, unless the
caller opts out with an argument that says it is unsafe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, params

from ._admin.csrf import FormTokens
from ._admin.models import MaintenanceStateOut, Schedule, ScopeIn, ScopeOut, StateIn, SwitchOn
from ._admin.page import page_routes
from ._model.errors import BackendUnavailableError, InvalidStateError, UnsupportedStateError
from ._model.model import MAX_NAME_LENGTH
from ._model.selectors import check_name
from ._state.api import (
    BackendSpec,
    check_spec,
    end_maintenance_scope,
    get_maintenance_state,
    set_maintenance_mode,
    set_maintenance_scope,
)
from .decorators import force_maintenance_mode_off

__all__ = ["DEFAULT_UPDATED_BY", "admin_router"]

#: Who a change is signed by when the router is given no ``updated_by`` dependency.
DEFAULT_UPDATED_BY = "admin"

_NO_AUTH = (
    "admin_router() lets whoever reaches it take the whole application down: give it the "
    "dependency that authenticates your operators, e.g. "
    "admin_router(dependencies=[Depends(require_admin)]), or, for a router reachable only "
    "by trusted callers, pass allow_unauthenticated_i_know_this_is_unsafe=True"
)


@asynccontextmanager
async def answering_errors() -> AsyncIterator[None]:
    """Turn the state functions' errors into HTTP answers with their message.

    Input the state cannot take: 422. A state the backend cannot store (a message on a
    driver storing only on and off): 409, since the same request succeeds on another
    backend. A store that cannot be reached or read: 503.
    """
    try:
        yield
    except UnsupportedStateError as exc:
        raise HTTPException(409, str(exc)) from None
    except (BackendUnavailableError, InvalidStateError) as exc:
        raise HTTPException(
            503, f"the maintenance state could not be read or written: {exc}"
        ) from None
    except (ValueError, TypeError) as exc:
        raise HTTPException(422, str(exc)) from None


def _json_writes_only(request: Request) -> None:
    """Refuse a write that is not JSON: an HTML form on another site can post form data or
    text with the browser's cookies, but not JSON without a CORS preflight."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise HTTPException(
            415,
            "send writes with Content-Type: application/json (other types are refused so "
            "that a form on another site cannot make them)",
        )


def admin_router(
    *,
    dependencies: Sequence[params.Depends] | None = None,
    backend: BackendSpec | None = None,
    updated_by: Callable[..., Any] | None = None,
    prefix: str = "/maintenance",
    tags: list[str] | None = None,
    page: bool = True,
    csrf_secret: str | None = None,
    allow_unauthenticated_i_know_this_is_unsafe: bool = False,
) -> APIRouter:
    """An ``APIRouter`` to read and switch maintenance mode, for ``app.include_router()``.

    ``dependencies`` guard every route; at least one is required (your authentication),
    unless ``allow_unauthenticated_i_know_this_is_unsafe`` is true. ``backend`` is an
    instance, a driver name or a URL; by default the one the state functions use.
    ``updated_by`` is a dependency returning who makes a change: a name, or a user object
    whose ``username``, ``email`` or ``name`` is taken (the same function as the auth
    dependency may serve: FastAPI runs it once per request); without it, changes are signed
    ``"admin"``. ``page`` adds a small HTML page with a form at ``{prefix}/page``;
    ``csrf_secret`` (else ``FASTAPI_MAINTENANCE_CSRF_SECRET``, read now; at least 32 bytes)
    is the key of its form tokens. Without either, the key is random to this router, so
    every process serving the page must be given the same one.

    Routes: ``GET {prefix}`` the state; ``POST {prefix}/on``, ``POST {prefix}/off``,
    ``POST {prefix}/schedule``, ``PUT {prefix}`` (the whole state) switch it and answer
    the state read back. ``GET {prefix}/scopes`` lists the scopes, ``PUT
    {prefix}/scopes/{name}`` creates or replaces one (answering it), ``DELETE
    {prefix}/scopes/{name}`` ends one (answering the state; 404 when there is none).
    """
    guards = list(dependencies or [])
    if not guards and not allow_unauthenticated_i_know_this_is_unsafe:
        raise ValueError(_NO_AUTH)
    check_spec(backend)
    signer = _signer(updated_by)
    router = APIRouter(prefix=prefix, tags=list(tags or ["maintenance"]), dependencies=guards)
    writes: list[params.Depends] = [Depends(_json_writes_only)]

    async def read() -> MaintenanceStateOut:
        async with answering_errors():
            return MaintenanceStateOut.of(await get_maintenance_state(backend))

    async def switch_on(body: SwitchOn | None, by: str) -> MaintenanceStateOut:
        wanted = body or SwitchOn()
        async with answering_errors():
            await set_maintenance_mode(
                True,
                backend,
                message=wanted.message,
                starts_at=wanted.starts_at,
                ends_at=wanted.ends_at,
                duration=wanted.span(),
                read_only=wanted.read_only,
                updated_by=by,
                allow_ips=wanted.allow_ips,
                allow_paths=wanted.allow_paths,
            )
        return await read()

    async def switch_off(by: str) -> MaintenanceStateOut:
        async with answering_errors():
            await set_maintenance_mode(False, backend, updated_by=by)
        return await read()

    @router.get("", response_model=MaintenanceStateOut, summary="Read the maintenance state")
    @force_maintenance_mode_off
    async def get_state() -> MaintenanceStateOut:
        return await read()

    @router.post(
        "/on", response_model=MaintenanceStateOut, dependencies=writes, summary="Switch it on"
    )
    @force_maintenance_mode_off
    async def post_on(
        body: SwitchOn | None = None, by: str = Depends(signer)
    ) -> MaintenanceStateOut:
        return await switch_on(body, by)

    @router.post(
        "/off", response_model=MaintenanceStateOut, dependencies=writes, summary="Switch it off"
    )
    @force_maintenance_mode_off
    async def post_off(by: str = Depends(signer)) -> MaintenanceStateOut:
        return await switch_off(by)

    @router.post(
        "/schedule",
        response_model=MaintenanceStateOut,
        dependencies=writes,
        summary="Schedule a window",
    )
    @force_maintenance_mode_off
    async def post_schedule(body: Schedule, by: str = Depends(signer)) -> MaintenanceStateOut:
        return await switch_on(body, by)

    @router.put(
        "", response_model=MaintenanceStateOut, dependencies=writes, summary="Set the whole state"
    )
    @force_maintenance_mode_off
    async def put_state(body: StateIn, by: str = Depends(signer)) -> MaintenanceStateOut:
        if body.on:
            return await switch_on(body, by)
        given = body.model_dump(exclude={"on"}, exclude_defaults=True)
        if given:
            raise HTTPException(
                422,
                f"{', '.join(sorted(given))} only go with on: true; switching off clears them",
            )
        return await switch_off(by)

    async def put_scope(name: str, body: ScopeIn, by: str) -> ScopeOut:
        async with answering_errors():
            check_name(name)
            await set_maintenance_scope(body.scope(name, by), backend)
            written = (await get_maintenance_state(backend)).scope_named(name)
        if written is None:  # read back after the write: a store that lost it is no 200
            raise HTTPException(503, f"the backend holds no scope {name!r} after the write")
        return ScopeOut.of(written)

    async def end_scope(name: str) -> MaintenanceStateOut:
        async with answering_errors():
            ended = await end_maintenance_scope(name, backend)
        if not ended:
            raise HTTPException(404, f"there is no scope named {name!r}")
        return await read()

    @router.get("/scopes", response_model=list[ScopeOut], summary="List the scopes")
    @force_maintenance_mode_off
    async def get_scopes() -> list[ScopeOut]:
        return (await read()).scopes

    @router.put(
        "/scopes/{name}",
        response_model=ScopeOut,
        dependencies=writes,
        summary="Create or replace a scope",
    )
    @force_maintenance_mode_off
    async def put_scope_route(name: str, body: ScopeIn, by: str = Depends(signer)) -> ScopeOut:
        return await put_scope(name, body, by)

    # No body, so no Content-Type to check: a page on another site cannot send a DELETE
    # without a CORS preflight, which the application does not grant it.
    @router.delete("/scopes/{name}", response_model=MaintenanceStateOut, summary="End a scope")
    @force_maintenance_mode_off
    async def delete_scope(name: str) -> MaintenanceStateOut:
        return await end_scope(name)

    if page:
        page_routes(
            router,
            backend,
            signer,
            switch_on,
            switch_off,
            FormTokens(csrf_secret),
            put_scope,
            end_scope,
        )
    return router


def _signer(updated_by: Callable[..., Any] | None) -> Callable[..., Any]:
    """The dependency giving who signs a change: a name made of ``updated_by``'s answer (see
    ``signature``), else ``"admin"``. Refuses at once what FastAPI could not call."""
    if updated_by is None:

        def default() -> str:
            return DEFAULT_UPDATED_BY

        return default
    if isinstance(updated_by, params.Depends):
        raise TypeError(
            "admin_router(updated_by=...) takes the dependency itself, e.g. "
            "updated_by=get_current_user, not Depends(get_current_user)"
        )
    if not callable(updated_by):
        raise TypeError(
            "admin_router(updated_by=...) must be a dependency FastAPI can call (a function "
            "or a class, e.g. updated_by=get_current_user) answering a name or a user "
            f"object, got {type(updated_by).__name__}"
        )

    async def signed(by: Any = Depends(updated_by)) -> str:  # noqa: B008
        return signature(by)

    return signed


def signature(by: object) -> str:
    """The name a change is signed with, from what the ``updated_by`` dependency answered.

    A string is the name; ``None`` is ``"admin"``; a user object (or a mapping) gives its
    ``username``, else its ``email``, else its ``name`` (the first non-blank string), else
    ``str()`` of it. Cut to the longest name a state holds.
    """
    if by is None:
        return DEFAULT_UPDATED_BY
    if isinstance(by, str):
        name = by
    else:
        name = next(
            (v for v in map(_field_of(by), _NAME_FIELDS) if isinstance(v, str) and v.strip()),
            None,
        ) or str(by)
    return name[:MAX_NAME_LENGTH]


#: Where the name of a user object is looked for, in this order.
_NAME_FIELDS = ("username", "email", "name")


def _field_of(user: object) -> Callable[[str], object]:
    """Reads a field of ``user``: a key of a mapping, else an attribute."""
    if isinstance(user, Mapping):
        return user.get
    return lambda field: getattr(user, field, None)
