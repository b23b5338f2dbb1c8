"""The SQL driver honours the backend contract every driver promises, on each database."""

from __future__ import annotations

import pytest

from fastapi_maintenance import BaseStateBackend
from fastapi_maintenance.testing import BackendContract

from ._support import with_query
from .conftest import Database, MakeBackend
from .databases import free_port

#: Short enough that the fault fixtures fail fast.
FAST = {"timeout": 0.5, "poll_interval": 0.1}


class TestSqlBackend(BackendContract):
    @pytest.fixture
    def backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(database, **FAST)

    @pytest.fixture
    def second_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(database, **FAST)

    @pytest.fixture
    def backend_url(self, database: Database) -> str:
        return with_query(database.url, table=database.table)

    @pytest.fixture
    def failing_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        """A server nowhere (or, for SQLite, a file in a folder that does not exist)."""
        return make_backend(database, url=_unreachable(database), **FAST)

    @pytest.fixture
    def unreadable_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        return make_backend(database, url=_unreachable(database), **FAST)

    @pytest.fixture
    def garbage_backend(self, database: Database, make_backend: MakeBackend) -> BaseStateBackend:
        backend = make_backend(database, **FAST)
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
