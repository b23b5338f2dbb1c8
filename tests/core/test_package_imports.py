"""The package imports its public names when first used, and any module can be imported first."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import fastapi_maintenance

PACKAGE = Path(fastapi_maintenance.__file__).parent
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages([str(PACKAGE)], "fastapi_maintenance.")
    if not info.name.startswith("fastapi_maintenance._cli")
)


@pytest.mark.parametrize("module", MODULES)
def test_a_module_imported_first_in_a_new_process_imports(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_every_public_name_is_importable_from_the_package() -> None:
    for name in fastapi_maintenance.__all__:
        assert getattr(fastapi_maintenance, name) is not None


def test_every_lazily_imported_name_is_public() -> None:
    assert sorted(fastapi_maintenance._EXPORTS) == sorted(fastapi_maintenance.__all__)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        fastapi_maintenance.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_the_public_modules_are_attributes_of_the_package() -> None:
    assert fastapi_maintenance.middleware.MaintenanceModeMiddleware is not None
    assert fastapi_maintenance.decorators.force_maintenance_mode_on is not None
