"""The scripts behind ``nox -s pictures``: the page they photograph and the chart they draw."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
SAVED = TOOLS.parent / "docs" / "images" / "bench-versions.json"


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tools_{name}", TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.anyio
async def test_the_screenshot_is_taken_of_the_default_503_page() -> None:
    response = await _tool("screenshot").default_page()
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")


def test_the_chart_draws_each_package_relative_to_its_own_bare_app() -> None:
    result = {
        "note": "test",
        "runs": [
            {"label": "this package", "us_per_request": {"bare": 10, "off": 11, "on": 4}},
            {"label": "0.0.5", "us_per_request": {"bare": 20, "off": 60, "on": 30}},
        ],
    }
    labels = re.findall(r">(\d+\.\d\d)\u00d7<", _tool("chart").svg(result))
    assert labels == ["1.00", "1.10", "3.00", "1.00", "0.40", "1.50"]


def test_the_saved_result_holds_both_packages_and_every_variant() -> None:
    runs = {run["label"]: run for run in json.loads(SAVED.read_text())["runs"]}
    assert set(runs) == {"this package", "0.0.5"}
    assert runs["0.0.5"]["fastapi_maintenance"] == "0.0.5"
    for run in runs.values():
        assert set(run["us_per_request"]) == {"bare", "off", "on"}
