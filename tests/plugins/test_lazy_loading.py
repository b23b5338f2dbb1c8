"""Drivers are imported when first used, never by importing the package."""

from __future__ import annotations

from typing import Any

import pytest

from fastapi_maintenance.backends import get_backend_class
from tests.plugins.processes import report_of

SCRIPT = """
import json, sys

def loaded():
    watched = ("fastapi_maintenance", "pytest", "_pytest")
    return sorted(m for m in sys.modules if m.startswith(watched))

import fastapi_maintenance, fastapi_maintenance.backends
after_import = loaded()
fastapi_maintenance.backends.create_backend("file", file_path="maintenance")
print(json.dumps({"after_import": after_import, "after_use": loaded()}))
"""


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The modules a fresh process had loaded after importing the package, then using ``file``."""
    return report_of(SCRIPT, cwd=tmp_path_factory.mktemp("lazy"))


def test_importing_the_package_imports_no_driver(modules: Any) -> None:
    drivers = [m for m in modules["after_import"] if m.startswith("fastapi_maintenance.drivers.")]
    assert drivers == []


def test_using_a_driver_imports_that_driver_only(modules: Any) -> None:
    drivers = [m for m in modules["after_use"] if m.startswith("fastapi_maintenance.drivers.")]
    assert drivers == ["fastapi_maintenance.drivers.file"]


def test_importing_the_package_imports_neither_pytest_nor_the_test_kit(modules: Any) -> None:
    test_only = [
        m
        for m in modules["after_import"]
        if m.startswith(("pytest", "_pytest", "fastapi_maintenance.testing"))
    ]
    assert test_only == []


def test_built_in_driver_classes_import_from_backends() -> None:
    from fastapi_maintenance.backends import EnvVarBackend, LocalFileBackend

    assert (EnvVarBackend, LocalFileBackend) == (
        get_backend_class("env"),
        get_backend_class("file"),
    )


def test_backends_has_no_other_lazy_names() -> None:
    with pytest.raises(ImportError):
        from fastapi_maintenance.backends import RedisishBackend  # noqa: F401
