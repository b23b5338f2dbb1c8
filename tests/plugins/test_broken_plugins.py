"""A broken third-party plugin breaks its own name only, and says why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fastapi_maintenance import BackendLoadError, get_maintenance_mode, set_maintenance_mode
from fastapi_maintenance.backends import (
    available_backends,
    backend_info,
    create_backend,
    get_backend_class,
)
from tests.plugins.distributions import BROKEN, EXAMPLE_DISTRIBUTION

pytestmark = pytest.mark.anyio

#: For each broken driver name: the distribution offering it and the cause the error must name.
FAILURES = {
    "broken-import": ("fm-broken-import", "No module named 'fm_imaginary_client_sdk'"),
    "not-a-backend": ("fm-not-a-backend", "Client is not a BaseStateBackend subclass"),
    "raising-import": ("fm-raising-import", "RuntimeError: license server unreachable"),
    "attribute-import": ("fm-attribute-import", "AttributeError: module 'os' has no attribute"),
    "broken-hook": ("fm-broken-hook", "settings file /etc/fm.toml is missing"),
    "silent-hook": ("fm-silent-hook", "register_backends hook did not register this name"),
}


@pytest.fixture(autouse=True)
def _installed(use_sites: Callable[..., None], broken_site: Path, example_site: Path) -> None:
    use_sites(broken_site, example_site)


def test_every_broken_distribution_is_covered() -> None:
    assert {dist for dist, _ in FAILURES.values()} == set(BROKEN)


@pytest.mark.parametrize(("name", "distribution", "cause"), [(n, *f) for n, f in FAILURES.items()])
def test_using_a_broken_plugin_names_the_distribution_and_the_cause(
    name: str, distribution: str, cause: str
) -> None:
    with pytest.raises(BackendLoadError) as raised:
        get_backend_class(name)
    assert distribution in str(raised.value)
    assert cause in str(raised.value)


@pytest.mark.parametrize("name", FAILURES)
def test_a_broken_plugin_fails_the_same_way_every_time(name: str) -> None:
    messages = set()
    for _ in range(2):
        with pytest.raises(BackendLoadError) as raised:
            create_backend(name)
        messages.add(str(raised.value))
    assert len(messages) == 1


@pytest.mark.parametrize(
    ("name", "raised"), [("raising-import", RuntimeError), ("attribute-import", AttributeError)]
)
def test_a_plugin_whose_import_raises_anything_is_a_load_error(
    name: str, raised: type[Exception]
) -> None:
    with pytest.raises(BackendLoadError) as caught:
        get_backend_class(name)
    assert isinstance(caught.value.__cause__, raised)


def test_a_broken_plugin_is_an_import_error() -> None:
    with pytest.raises(ImportError):
        get_backend_class("broken-import")


async def test_other_drivers_keep_working_after_a_plugin_fails(tmp_path: Path) -> None:
    for name in FAILURES:
        with pytest.raises(BackendLoadError):
            get_backend_class(name)
    for spec in (f"file://{tmp_path / 'maintenance'}", "example-memory://after-failures"):
        backend = create_backend(spec)
        await set_maintenance_mode(True, backend)
        assert await get_maintenance_mode(backend) is True


def test_available_backends_still_lists_every_name() -> None:
    with pytest.raises(BackendLoadError):
        get_backend_class("broken-import")
    assert {"env", "file", "example-memory", "example-mem", *FAILURES} <= set(available_backends())


def test_backend_info_says_why_each_broken_plugin_fails() -> None:
    info = {entry.name: entry for entry in backend_info()}
    for name, (distribution, cause) in FAILURES.items():
        assert info[name].distribution == distribution
        assert info[name].error is not None and cause in info[name].error


def test_backend_info_shows_working_drivers_without_error() -> None:
    info = {entry.name: entry for entry in backend_info()}
    assert [info[name].error for name in ("env", "file", "example-memory", "example-mem")] == [
        None
    ] * 4
    assert info["example-memory"].distribution == EXAMPLE_DISTRIBUTION
