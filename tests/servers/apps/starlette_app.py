"""Starlette, the middleware in ``middleware=`` and the health route forced off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fastapi_maintenance import MaintenanceModeMiddleware, force_maintenance_mode_off

from . import _events


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    _events.record("startup")
    yield
    _events.record("shutdown")


async def index(_: Request) -> JSONResponse:
    return JSONResponse({"started": _events.started})


@force_maintenance_mode_off
async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[Route("/", index), Route("/health", health)],
    middleware=[Middleware(MaintenanceModeMiddleware)],
    lifespan=lifespan,
)
