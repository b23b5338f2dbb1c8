"""The built-in driver classes are typed where users import them, though loaded lazily."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

USER_CODE = """\
from fastapi_maintenance.backends import EnvVarBackend, LocalFileBackend

LocalFileBackend(file_path="maintenance", check_interval=0.2)
EnvVarBackend(var_name="SHOP_MAINTENANCE")
LocalFileBackend(file_pth="maintenance")
EnvVarBackend(varname="SHOP_MAINTENANCE")
"""


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """What ``mypy --strict`` reports on a user's module building both built-in drivers."""
    folder = tmp_path_factory.mktemp("typed")
    (folder / "user_code.py").write_text(textwrap.dedent(USER_CODE))
    done = subprocess.run(
        [
            *(sys.executable, "-m", "mypy", "--strict", "--no-error-summary"),
            *("--cache-dir", str(folder / "cache"), "user_code.py"),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not done.stderr, done.stderr
    return [line for line in done.stdout.splitlines() if ": error:" in line]


def _lines(errors: list[str]) -> list[int]:
    """The line numbers of ``path:line: error: ...`` reports."""
    return [int(error.split(":")[1]) for error in errors]


def test_mypy_catches_a_mistyped_keyword_of_a_built_in_driver(mypy_errors: list[str]) -> None:
    assert _lines(mypy_errors) == [5, 6]
    assert all("[call-arg]" in error for error in mypy_errors)


def test_mypy_suggests_the_keyword_the_driver_takes(mypy_errors: list[str]) -> None:
    assert 'did you mean "file_path"' in mypy_errors[0]
    assert 'did you mean "var_name"' in mypy_errors[1]
