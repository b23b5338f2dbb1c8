"""The fixtures isolate each test from the others, in whichever order pytest runs them."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.slow

#: A user's suite: each test checks that it starts from a fresh package and empty stores,
#: then leaves behind all it can: memory stores switched on, a configured backend that
#: reads on, an override block left open.
USER_SUITE = """
import anyio

from fastapi_maintenance import (
    configure_backend,
    get_maintenance_mode,
    maintenance_mode_on,
    set_maintenance_mode,
)
from fastapi_maintenance.backends import LocalFileBackend, MemoryBackend


def starts_fresh():
    assert MemoryBackend("default").cached_value() is False
    assert MemoryBackend("shop").cached_state() == MemoryBackend("other").cached_state()
    assert anyio.run(get_maintenance_mode) is False


def leaves_everything_on(tmp_path):
    anyio.run(set_maintenance_mode, True, "memory://default")
    anyio.run(set_maintenance_mode, True, MemoryBackend("shop"))
    state_file = tmp_path / "maintenance"
    state_file.write_text("1")
    configure_backend(LocalFileBackend(state_file))


def test_with_the_fixture(maintenance, tmp_path):
    starts_fresh()
    assert maintenance.is_on is False
    leaves_everything_on(tmp_path)


def test_without_a_fixture(tmp_path):
    starts_fresh()
    leaves_everything_on(tmp_path)
"""

ORDERS = pytest.mark.parametrize(
    "order",
    [
        ["test_with_the_fixture", "test_without_a_fixture"],
        ["test_without_a_fixture", "test_with_the_fixture"],
    ],
    ids=["fixture first", "fixture last"],
)


@ORDERS
def test_a_test_starts_from_a_fresh_package_and_empty_memory_stores(
    pytester: pytest.Pytester, order: list[str]
) -> None:
    """Fixture first: its teardown resets; fixture last: its set-up resets."""
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = pytester.runpytest_subprocess(
        "-v", "-p", "no:cacheprovider", *(f"test_user_suite.py::{name}" for name in order)
    )
    result.stdout.fnmatch_lines([f"test_user_suite.py::{name} PASSED*" for name in order])
    result.assert_outcomes(passed=2)
