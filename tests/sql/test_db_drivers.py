"""The application's own database URL: whichever async DB driver is installed serves it.

Where a client library must be missing, the command line runs in a process of its own in
which importing it fails (:mod:`tests.sql.without`), against the real databases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from fastapi_maintenance import MaintenanceState

from .._remote.fleet import ROOT
from .conftest import Database, MakeBackend

#: Seconds a command may take in a process of its own on a loaded machine.
COMMAND_BOUND = 60
#: Variables that would make the command line style its output.
_STYLED = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PY_COLORS")


def without(blocked: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``fastapi-maintenance *args`` where the modules in ``blocked`` cannot be imported,
    printing as into a pipe wide enough that no line is wrapped."""
    env = {key: value for key, value in os.environ.items() if key not in _STYLED}
    return subprocess.run(
        [sys.executable, "-m", "tests.sql.without", blocked, "fastapi_maintenance.cli:main", *args],
        cwd=ROOT,
        env={**env, "COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=COMMAND_BOUND,
        check=False,
    )


def as_form(db: Database, form: str) -> str:
    """``db``'s URL written in ``form`` (``postgresql``, ``mysql+pymysql``...), on its table."""
    url = make_url(db.url).set(drivername=form).update_query_dict({"table": db.table})
    return url.render_as_string(hide_password=False)


def switched_on(blocked: str, url: str) -> dict[str, Any]:
    """What ``fastapi-maintenance on --json`` prints in a process without ``blocked``."""
    result = without(blocked, "on", "--backend", url, "--json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def stored_on(db: Database) -> bool:
    """Whether the state in ``db``'s row, read behind the driver's back, is on."""
    [(text,)] = db.execute(f"SELECT state FROM {db.table}")
    return MaintenanceState.from_text(text).on


def drivers(blocked: str) -> dict[str, dict[str, Any]]:
    """``fastapi-maintenance backends --json`` in a process without ``blocked``, by name."""
    result = without(blocked, "backends", "--json")
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_a_plain_postgresql_url_uses_psycopg_where_asyncpg_is_missing(
    postgresql: Database,
) -> None:
    shown = switched_on("asyncpg", as_form(postgresql, "postgresql"))
    assert shown["backend"].startswith("sql: postgresql+psycopg://")
    assert shown["maintenance"] is True
    assert stored_on(postgresql)


def test_a_plain_postgresql_url_uses_asyncpg_where_psycopg_is_missing(
    postgresql: Database,
) -> None:
    shown = switched_on("psycopg", as_form(postgresql, "postgresql"))
    assert shown["backend"].startswith("sql: postgresql+asyncpg://")
    assert shown["maintenance"] is True
    assert stored_on(postgresql)


def test_a_psycopg2_url_uses_asyncpg_where_psycopg_is_missing(postgresql: Database) -> None:
    shown = switched_on("psycopg", as_form(postgresql, "postgresql+psycopg2"))
    assert shown["backend"].startswith("sql: postgresql+asyncpg://")
    assert shown["maintenance"] is True


def test_a_url_with_no_async_db_driver_installed_names_the_pip_lines(
    postgresql: Database,
) -> None:
    result = without("asyncpg,psycopg", "status", "--backend", as_form(postgresql, "postgresql"))
    assert result.returncode == 1
    message = " ".join(result.stderr.split())
    assert "needs an async DB driver for postgresql, and none is installed" in message
    assert 'pip install "fastapi-maintenance-sql[asyncpg]"' in message
    assert 'pip install "fastapi-maintenance-sql[psycopg]"' in message


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("fixture", "form", "driver"),
    [
        ("postgresql", "postgresql", "asyncpg"),
        ("postgresql", "postgresql+psycopg", "psycopg"),
        ("postgresql", "postgresql+psycopg2", "psycopg"),
        ("postgresql", "postgresql+pg8000", "asyncpg"),
        ("mariadb", "mysql", "aiomysql"),
        ("mariadb", "mysql+pymysql", "aiomysql"),
        ("mariadb", "mysql+mysqldb", "aiomysql"),
        ("mariadb", "mariadb+pymysql", "aiomysql"),
    ],
)
async def test_the_apps_own_url_form_maps_to_an_async_db_driver_that_works(
    request: pytest.FixtureRequest, make_backend: MakeBackend, fixture: str, form: str, driver: str
) -> None:
    db: Database = request.getfixturevalue(fixture)
    url = make_url(db.url).set(drivername=form).render_as_string(hide_password=False)
    backend = make_backend(db, url=url)
    assert backend.options.url.get_driver_name() == driver
    await backend.set_value(True)
    assert await backend.get_value() is True


@pytest.mark.anyio
@pytest.mark.parametrize("form", ["sqlite", "sqlite+pysqlite"])
async def test_a_sync_sqlite_url_maps_to_aiosqlite_that_works(
    sqlite_url: str, make_backend: MakeBackend, form: str
) -> None:
    url = make_url(sqlite_url).set(drivername=form).render_as_string()
    backend = make_backend(Database(url, "fastapi_maintenance"))
    assert backend.options.url.drivername == "sqlite+aiosqlite"
    await backend.set_value(True)
    assert await backend.get_value() is True


def test_backends_shows_a_driver_whose_client_library_is_missing_as_not_usable() -> None:
    rows = drivers("asyncpg")
    assert rows["postgresql+asyncpg"]["unusable"] == (
        "asyncpg cannot be imported (No module named 'asyncpg'): "
        'pip install "fastapi-maintenance-sql[asyncpg]"'
    )
    assert rows["postgresql+asyncpg"]["error"] is None
    usable = ("postgresql", "postgresql+psycopg", "postgresql+psycopg2", "sql", "mysql")
    assert [rows[name]["unusable"] for name in usable] == [None] * len(usable)


def test_backends_says_a_url_form_is_not_usable_when_none_of_its_drivers_is_installed() -> None:
    rows = drivers("asyncpg,psycopg")
    assert rows["postgresql"]["unusable"] == (
        'none of asyncpg, psycopg is installed: pip install "fastapi-maintenance-sql[asyncpg]" '
        'or pip install "fastapi-maintenance-sql[psycopg]"'
    )
    assert rows["mysql"]["unusable"] is None


def test_the_backends_table_marks_the_driver_not_usable() -> None:
    result = without("aiomysql", "backends")
    assert result.returncode == 0
    [line] = [line for line in result.stdout.splitlines() if " mysql+aiomysql " in line]
    assert "not usable: aiomysql cannot be imported" in line
    assert 'pip install "fastapi-maintenance-sql[aiomysql]"' in line
