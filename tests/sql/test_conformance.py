"""The SQL driver honours the backend contract every driver promises, on each database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.testing import BackendContract
from fastapi_maintenance_sql import SqlBackend

from .._remote.checks import with_query
from .._remote.servers import free_port
from .._remote.waiting import patience
from .conftest import Database, MakeBackend

#: Short enough that the fault fixtures fail fast.
FAST = {"timeout": 0.5, "poll_interval": 0.1}
#: For a working database the time limit only guards against a hang: a busy machine must
#: not make a call time out (and be cut short mid-statement).
WORKING = {"timeout": patience(10), "poll_interval": 0.1}


class TestSqlBackend(BackendContract):
    change_timeout = patience(BackendContract.change_timeout)

    @pytest.fixture
    def backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(database, **WORKING)

    @pytest.fixture
    def second_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(database, **WORKING)

    @pytest.fixture
    def backend_url(self, database: Database) -> str:
        return with_query(database.url, table=database.table)

    @pytest.fixture
    def stored_text(
        self, database: Database, backend: SqlBackend
    ) -> Callable[[], Awaitable[str | None]]:
        """The ``state`` column of the driver's row, as a plain ``SELECT`` reads it."""
        key = backend.key
        column = "`key`" if database.name == "mysql" else '"key"'
        query = f"SELECT state FROM {database.table} WHERE {column} = :key"

        def select() -> str | None:
            if not database.has_table():
                return None
            rows = database.execute(query, key=key)
            return str(rows[0][0]) if rows else None

        async def read() -> str | None:
            return await anyio.to_thread.run_sync(select)

        return read

    @pytest.fixture
    def failing_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        """A server nowhere (or, for SQLite, a file in a folder that does not exist)."""
        return make_backend(database, url=_unreachable(database), **FAST)

    @pytest.fixture
    def unreadable_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(database, url=_unreachable(database), **FAST)

    @pytest.fixture
    def garbage_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        backend = make_backend(database, **WORKING)
        database.execute(
            f'CREATE TABLE {database.table} ("key" VARCHAR(191) PRIMARY KEY, state TEXT NOT NULL,'
            " version BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL)"
            if database.name != "mysql"
            else f"CREATE TABLE {database.table} (`key` VARCHAR(191) PRIMARY KEY, state TEXT NOT "
            "NULL, version BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL)"
        )
        database.execute(
            f"INSERT INTO {database.table} VALUES (:key, 'maybe', 1, CURRENT_TIMESTAMP)",
            key=backend.key,
        )
        return backend


def _unreachable(database: Database) -> str:
    if database.name == "sqlite":
        return "sqlite+aiosqlite:////nonexistent-folder/state.db"
    scheme = database.url.split("://", 1)[0]
    return f"{scheme}://root@127.0.0.1:{free_port()}/test"
