"""The SQL page shows the DDL the driver issues, and its examples build backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastapi_maintenance_sql import ddl
from fastapi_maintenance_sql._options import SYNC_FORMS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sql.md"
SQL_BLOCK = re.compile(r"^(PostgreSQL|MySQL and MariaDB|SQLite):\n\n```sql\n(.*?)^```", re.S | re.M)
DIALECTS = {"PostgreSQL": "postgresql", "MySQL and MariaDB": "mysql", "SQLite": "sqlite"}


def test_the_page_shows_the_ddl_the_driver_issues_on_each_database() -> None:
    blocks = {DIALECTS[name]: body.strip() for name, body in SQL_BLOCK.findall(PAGE.read_text())}
    assert blocks == {database: ddl(database) for database in DIALECTS.values()}


def test_the_configuration_example_runs() -> None:
    text = PAGE.read_text()
    [example] = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "SqlBackend(" in b]
    exec(compile(example, str(PAGE), "exec"), {})


@pytest.mark.parametrize("database", ["postgresql", "mysql", "sqlite"])
def test_the_ddl_names_a_given_table(database: str) -> None:
    assert ddl(database, "ops_switch").startswith("CREATE TABLE ops_switch (")


def test_the_page_gives_each_url_form_its_db_drivers_in_the_order_they_are_tried() -> None:
    rows = [line for line in PAGE.read_text().splitlines() if line.startswith("| `")]
    for form, drivers in SYNC_FORMS.items():
        name = form.replace("mariadb", "mysql") if form != "mariadb" else form
        [row] = [row for row in rows if f"`{name}://`" in row.split("|")[1]]
        assert row.split("|")[2].strip() == ", then ".join(drivers), form
