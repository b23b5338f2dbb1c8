"""Fixtures for the admin router: a backend storing the whole state, a shop, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import asgi_client

from .support import DetailsMemoryBackend, shop_app


@pytest.fixture
def backend() -> DetailsMemoryBackend:
    return DetailsMemoryBackend()


@pytest.fixture
async def client(backend: DetailsMemoryBackend) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the shop, through the real middleware, with the admin router on /admin."""
    async with asgi_client(shop_app(backend)) as http:
        yield http
