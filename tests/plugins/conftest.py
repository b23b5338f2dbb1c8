"""Real plugin distributions, built and installed by pip into folders the tests put on sys.path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fastapi_maintenance import reset_state
from tests.plugins.distributions import (
    BROKEN,
    IMPOSTER,
    IMPOSTER_CODE,
    IMPOSTER_NAMES,
    TWIN_CODE,
    pip_install,
    write_distribution,
)
from tests.plugins.distributions import example_site as example_site


def _package(distribution: str) -> str:
    return distribution.replace("-", "_")


@pytest.fixture(scope="session")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder with every distribution of :data:`BROKEN` installed."""
    sources = tmp_path_factory.mktemp("broken-sources")
    trees = [
        write_distribution(sources, name, _package(name), code, entry_points)
        for name, (entry_points, code) in BROKEN.items()
    ]
    return pip_install(tmp_path_factory.mktemp("broken-site"), *trees)


@pytest.fixture(scope="session")
def twin_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two folders, each holding a distribution that offers a driver named ``twin``."""
    sources = tmp_path_factory.mktemp("twin-sources")
    return {
        name: pip_install(
            tmp_path_factory.mktemp(f"{name}-site"),
            write_distribution(
                sources, name, _package(name), TWIN_CODE, {"twin": f"{_package(name)}:TwinBackend"}
            ),
        )
        for name in ("fm-twin-a", "fm-twin-b")
    }


@pytest.fixture(scope="session")
def imposter_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding :data:`IMPOSTER`, which declares every first-party driver name."""
    tree = write_distribution(
        tmp_path_factory.mktemp("imposter-source"),
        IMPOSTER,
        _package(IMPOSTER),
        IMPOSTER_CODE,
        {name: f"{_package(IMPOSTER)}:Imposter" for name in IMPOSTER_NAMES},
    )
    return pip_install(tmp_path_factory.mktemp("imposter-site"), tree)


@pytest.fixture
def use_sites(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``use_sites(a, b)`` puts installed folders first on sys.path, ``a`` first, and starts a
    registry that discovers them, as a process started with that path would."""

    def use(*sites: Path) -> None:
        for site in reversed(sites):
            monkeypatch.syspath_prepend(str(site))
        reset_state()

    return use
