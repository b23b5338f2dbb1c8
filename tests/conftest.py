"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from fastapi_maintenance import reset_state


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts as a new process would: no backend configured, no override."""
    monkeypatch.delenv("FASTAPI_MAINTENANCE_MODE", raising=False)
    monkeypatch.delenv("FASTAPI_MAINTENANCE_BACKEND", raising=False)
    reset_state()
    yield
    reset_state()


@pytest.fixture(autouse=True)
def no_bypass_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bypass options' variables of the shell running the tests do not reach them."""
    for option in BYPASS_OPTIONS:
        monkeypatch.delenv(f"FASTAPI_MAINTENANCE_{option.upper()}", raising=False)


BYPASS_OPTIONS = (
    "exempt_paths",
    "allow_ips",
    "trusted_proxies",
    "forwarded_header",
    "bypass_secret",
    "bypass_header",
    "bypass_query_param",
    "bypass_cookie",
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def asgi_client(app: FastAPI) -> httpx.AsyncClient:
    """An httpx client that calls the ASGI app in-process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client_for() -> AsyncIterator[object]:
    """``client_for(app)`` gives an in-process client, closed after the test."""
    clients: list[httpx.AsyncClient] = []

    def make(app: FastAPI) -> httpx.AsyncClient:
        client = asgi_client(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
