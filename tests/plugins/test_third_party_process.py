"""A plugin installed by pip is found by a new process with no change to the core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.plugins.distributions import EXAMPLE_DISTRIBUTION, EXAMPLE_VERSION
from tests.plugins.processes import report_of

SCRIPT = """
import asyncio, json
from dataclasses import asdict
from fastapi_maintenance import configure_backend, get_maintenance_mode, set_maintenance_mode
from fastapi_maintenance.backends import available_backends, backend_info, create_backend

configure_backend("example-memory", name="shop")
asyncio.run(set_maintenance_mode(True))
by_url = create_backend("example-mem://shop")
print(json.dumps({
    "available": available_backends(),
    "configured_on": asyncio.run(get_maintenance_mode()),
    "url_sees_on": asyncio.run(by_url.get_value()),
    "url_driver": f"{type(by_url).__module__}.{type(by_url).__qualname__}",
    "info": {entry.name: asdict(entry) for entry in backend_info()},
}))
"""


@pytest.fixture(scope="module")
def report(example_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """What a fresh process with the example plugin installed did and saw."""
    return report_of(SCRIPT, cwd=tmp_path_factory.mktemp("process"), pythonpath=example_site)


def test_available_backends_lists_the_plugins_names(report: Any) -> None:
    assert {"env", "file", "example-memory", "example-mem"} <= set(report["available"])


def test_configure_backend_uses_the_plugin_by_name(report: Any) -> None:
    assert report["configured_on"] is True


def test_create_backend_reaches_the_hook_registered_name_by_url(report: Any) -> None:
    assert report["url_sees_on"] is True
    assert report["url_driver"] == "fastapi_maintenance_example.memory.MemoryBackend"


@pytest.mark.parametrize("name", ["example-memory", "example-mem"])
def test_backend_info_names_the_distribution_and_its_version(report: Any, name: str) -> None:
    info = report["info"][name]
    assert (info["distribution"], info["version"], info["error"]) == (
        EXAMPLE_DISTRIBUTION,
        EXAMPLE_VERSION,
        None,
    )


def test_backend_info_tells_the_two_doors_apart(report: Any) -> None:
    sources = {name: report["info"][name]["source"] for name in ("example-memory", "example-mem")}
    assert sources == {
        "example-memory": "entry point fastapi_maintenance_example.memory:MemoryBackend",
        "example-mem": "entry point fastapi_maintenance_example.hooks",
    }
