"""The ``memory`` driver: a writable state per process, kept in a dict, read without I/O."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from fastapi_maintenance import (
    BackendConfigError,
    MaintenanceModeMiddleware,
    configure_backend,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import MemoryBackend, create_backend, get_backend_class

pytestmark = pytest.mark.anyio


@pytest.fixture
def store() -> Iterator[str]:
    """A store name of this test alone, forgotten afterwards."""
    name = f"test-{uuid.uuid4().hex}"
    yield name
    MemoryBackend(name).clear()


def test_memory_is_an_entry_point_of_the_core_distribution() -> None:
    (found,) = [
        ep for ep in entry_points(group="fastapi_maintenance.backends") if ep.name == "memory"
    ]
    assert found.value == "fastapi_maintenance.drivers.memory:MemoryBackend"
    assert found.dist is not None and found.dist.metadata["Name"] == "fastapi-maintenance"


def test_the_registry_answers_memory_with_the_core_driver() -> None:
    assert get_backend_class("memory") is MemoryBackend


async def test_backends_with_one_name_share_the_state(store: str) -> None:
    await MemoryBackend(store).set_value(True)
    assert await MemoryBackend(store).get_value() is True


async def test_backends_with_other_names_do_not_share_the_state(store: str) -> None:
    await MemoryBackend(store).set_value(True)
    assert await MemoryBackend(f"{store}-other").get_value() is False


async def test_cached_value_is_the_state_right_after_a_write(store: str) -> None:
    backend = MemoryBackend(store)
    await backend.set_value(True)
    assert backend.cached_value() is True


async def test_clear_makes_the_store_read_off_again(store: str) -> None:
    backend = MemoryBackend(store)
    await backend.set_value(True)
    backend.clear()
    assert await backend.get_value() is False


@pytest.mark.parametrize(
    ("spec", "name"),
    [("memory", "default"), ("memory://", "default"), ("memory://shop", "shop")],
)
def test_a_spec_selects_the_store(spec: str, name: str) -> None:
    backend = create_backend(spec)
    assert isinstance(backend, MemoryBackend)
    assert backend.name == name


def test_a_name_option_next_to_a_bare_url_selects_the_store() -> None:
    assert create_backend("memory://", name="shop").name == "shop"  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["memory://shop/path", "memory://shop?x=1", "memory://shop#top"])
def test_a_url_with_more_than_a_store_name_is_refused(url: str) -> None:
    with pytest.raises(BackendConfigError, match=r"memory://NAME"):
        create_backend(url)


def test_a_url_and_a_name_option_that_disagree_are_refused() -> None:
    with pytest.raises(BackendConfigError, match=r"'shop'.*'other'"):
        create_backend("memory://shop", name="other")


@pytest.mark.parametrize("name", ["", 3, None])
def test_a_store_name_that_is_not_a_non_empty_string_is_refused(name: object) -> None:
    with pytest.raises(BackendConfigError, match="non-empty name"):
        MemoryBackend(name)  # type: ignore[arg-type]


def test_describe_names_the_store() -> None:
    assert MemoryBackend("shop").describe() == "memory: shop"


async def test_an_app_on_the_memory_backend_answers_503_once_switched_on(
    store: str, client_for: Any
) -> None:
    app = FastAPI()
    app.get("/")(lambda: {"ok": True})
    app.add_middleware(MaintenanceModeMiddleware, backend=f"memory://{store}")
    client = client_for(app)
    assert (await client.get("/")).status_code == 200
    await set_maintenance_mode(True, f"memory://{store}")
    assert (await client.get("/")).status_code == 503


async def test_configure_backend_memory_switches_the_default_backend(store: str) -> None:
    configure_backend("memory", name=store)
    await set_maintenance_mode(True)
    assert MemoryBackend(store).cached_value() is True


async def test_another_process_does_not_see_the_state(store: str) -> None:
    await MemoryBackend(store).set_value(True)
    code = (
        "import asyncio\n"
        "from fastapi_maintenance.backends import MemoryBackend\n"
        f"print(asyncio.run(MemoryBackend({store!r}).get_value()))\n"
    )
    done = await anyio.run_process([sys.executable, "-c", code])
    assert done.stdout.decode().strip() == "False"
