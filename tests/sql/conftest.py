"""Real databases for every test here: PostgreSQL, MariaDB and SQLite in a temporary file.

Each test gets a table of its own (``fm_test_<run>_<uuid>``, dropped afterwards; the session
fails if one of its tables is left on a shared server), backends that are closed afterwards,
and fails on an unclosed connection or a task left pending. Under ``CI`` a server that does
not answer is a failure, not a skip.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from fastapi_maintenance_sql import SqlBackend

from .._remote.checks import (
    close_all,
    missing,
    no_pending_tasks_or_unclosed_connections,  # noqa: F401 - an autouse fixture
    resource_warnings_are_errors,
)
from .databases import (
    MARIADB_URL,
    POSTGRESQL_URL,
    MariaDBServer,
    PostgresServer,
    answers,
    sqlite_locked,
    sync_engine,
)

HERE = Path(__file__).parent
#: The run's own part lets the check for tables left behind see this run's tables only.
TABLE_PREFIX = f"fm_test_{uuid.uuid4().hex[:8]}_"

MakeBackend = Callable[..., SqlBackend]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """An unclosed connection anywhere in these tests is an error."""
    resource_warnings_are_errors(items, HERE)


def _shared(url: str, variable: str) -> Iterator[str]:
    if not answers(url):
        missing(f"no database answers at {url} (set {variable} to use another)")
    yield url
    left = _tables_left(url)
    assert not left, f"the SQL tests left tables behind in {url}: {left[:5]}"


def _tables_left(url: str) -> list[str]:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
        return [name for name in names if name.startswith(TABLE_PREFIX)]
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    yield from _shared(POSTGRESQL_URL, "SQL_TEST_POSTGRESQL")


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    yield from _shared(MARIADB_URL, "SQL_TEST_MARIADB")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'state.db'}"


@dataclass
class Database:
    """One database and the test's own table in it."""

    url: str
    table: str

    @property
    def name(self) -> str:
        return self.url.split(":", 1)[0].split("+", 1)[0]

    def execute(self, statement: str, **params: Any) -> list[Any]:
        """Run ``statement`` behind the driver's back (committed); the rows, if any."""
        engine = sync_engine(self.url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def has_table(self) -> bool:
        engine = sync_engine(self.url)
        try:
            with engine.connect() as conn:
                return bool(inspect(conn).has_table(self.table))
        finally:
            engine.dispose()

    def drop(self) -> None:
        self.execute(f"DROP TABLE IF EXISTS {self.table}")

    def locked(self) -> bool:
        """Whether a connection holds a lock on this SQLite database now."""
        return sqlite_locked(self.url)


def unique_table() -> str:
    return f"{TABLE_PREFIX}{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["postgresql", "mariadb", "sqlite"])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """Each of the three databases in turn, with a table no other test uses."""
    url = request.getfixturevalue(f"{request.param}_url")
    db = Database(url, unique_table())
    yield db
    db.drop()


@pytest.fixture
def postgresql(postgresql_url: str) -> Iterator[Database]:
    db = Database(postgresql_url, unique_table())
    yield db
    db.drop()


@pytest.fixture
def mariadb(mariadb_url: str) -> Iterator[Database]:
    db = Database(mariadb_url, unique_table())
    yield db
    db.drop()


@pytest.fixture
def sqlite(sqlite_url: str) -> Iterator[Database]:
    db = Database(sqlite_url, unique_table())
    yield db
    db.drop()


@pytest.fixture
async def make_backend() -> AsyncIterator[Callable[..., SqlBackend]]:
    """``make_backend(db, **options)``: a driver on ``db``'s table, closed after the test;
    closing must stop its task and, on SQLite, leave no lock on the file."""
    made: list[SqlBackend] = []

    def make(db: Database, **options: Any) -> SqlBackend:
        backend = SqlBackend(options.pop("url", db.url), **{"table": db.table, **options})
        made.append(backend)
        return backend

    yield make
    await close_all(made)
    locked = {backend.describe() for backend in made if sqlite_locked(str(backend.options.url))}
    assert not locked, f"aclose() left a lock on the SQLite database: {locked}"


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    """A private PostgreSQL the test may stop and restart, not started yet; stopped after."""
    if not PostgresServer.available():
        missing("PostgreSQL's initdb and pg_ctl are not installed, so this test cannot run its own")
    server = PostgresServer()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def mariadb_server() -> Iterator[MariaDBServer]:
    """A private MariaDB the test may kill and restart, not started yet; killed after."""
    if not MariaDBServer.available():
        missing(
            "mariadb-install-db and mariadbd are not installed, so this test cannot run its own"
        )
    server = MariaDBServer()
    try:
        yield server
    finally:
        server.remove()
