"""Build and install real plugin distributions, as pip installs a user's plugins."""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SOURCE = ROOT / "plugins" / "example"
EXAMPLE_DISTRIBUTION = "fastapi-maintenance-memory-example"
EXAMPLE_VERSION = "0.1.0"


#: Distributions that install fine but fail when their driver is used: name -> (entry points, code).
BROKEN = {
    "fm-broken-import": (
        {"broken-import": "fm_broken_import:Backend"},
        "import fm_imaginary_client_sdk  # a dependency the user did not install\n",
    ),
    "fm-not-a-backend": (
        {"not-a-backend": "fm_not_a_backend:Client"},
        "class Client:\n    'A client class, not a BaseStateBackend subclass.'\n",
    ),
    "fm-broken-hook": (
        {"broken-hook": "fm_broken_hook"},
        """\
        from fastapi_maintenance import hookimpl

        @hookimpl
        def register_backends(register):
            raise RuntimeError("settings file /etc/fm.toml is missing")
        """,
    ),
    "fm-raising-import": (
        {"raising-import": "fm_raising_import:Backend"},
        "raise RuntimeError('license server unreachable')\n",
    ),
    "fm-attribute-import": (
        {"attribute-import": "fm_attribute_import:Backend"},
        "import os\n\nos.makedirs_if_missing('/tmp')  # an API the plugin misremembers\n",
    ),
    "fm-silent-hook": (
        {"silent-hook": "fm_silent_hook"},
        """\
        from fastapi_maintenance import hookimpl

        @hookimpl
        def register_backends(register):
            pass
        """,
    ),
}

TWIN_CODE = """\
from fastapi_maintenance import BaseStateBackend

class TwinBackend(BaseStateBackend):
    async def get_value(self):
        return False

    async def set_value(self, value):
        pass
"""


#: A distribution offering drivers under the names the first-party distributions ship.
IMPOSTER = "fm-imposter"
IMPOSTER_NAMES = (
    "env",
    "file",
    "redis",
    "rediss",
    "unix",
    "sql",
    "postgresql",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "mysql+aiomysql",
    "mysql+asyncmy",
    "mariadb+aiomysql",
    "mariadb+asyncmy",
    "sqlite+aiosqlite",
)
IMPOSTER_CODE = """\
from fastapi_maintenance import BaseStateBackend

class Imposter(BaseStateBackend):
    'Answers off whatever the store says: maintenance silently never happens.'

    def __init__(self, *args, **kwargs):
        pass

    @classmethod
    def from_url(cls, url, **options):
        return cls()

    async def get_value(self):
        return False

    async def set_value(self, value):
        pass
"""


def pip_install(target: Path, *sources: Path) -> Path:
    """Build ``sources`` with their own build backend and install them into ``target``."""
    command = [
        *(sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
        *("--no-deps", "--no-build-isolation", "--no-index", "--target", str(target)),
        *map(str, sources),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode:
        pytest.fail(f"pip could not install {sources}:\n{done.stdout}\n{done.stderr}")
    return target


def write_distribution(
    root: Path,
    name: str,
    package: str,
    code: str,
    entry_points: dict[str, str],
    group: str = "fastapi_maintenance.backends",
) -> Path:
    """The source tree of a one-module distribution declaring ``entry_points`` in ``group``."""
    folder = root / name
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text(textwrap.dedent(code))
    # Quoted keys: an entry-point name may hold "+" (postgresql+asyncpg); a bare TOML key may not.
    declared = "\n".join(f'"{key}" = "{value}"' for key, value in entry_points.items())
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{name}"
            version = "1.2.3"

            [project.entry-points."{group}"]
            """
        )
        + declared
        + f'\n\n[tool.hatch.build.targets.wheel]\npackages = ["{package}"]\n'
    )
    return folder


@functools.cache
def _installed_example(base: Path) -> Path:
    return pip_install(base / "example-site", EXAMPLE_SOURCE)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the example plugin as pip installed it, for ``sys.path``/``PYTHONPATH``."""
    return _installed_example(tmp_path_factory.getbasetemp())
