"""The table: created by the first write or the start of the follower (unless turned off),
never by a one-shot read; and its DDL for the docs."""

from __future__ import annotations

from sqlalchemy import Table, inspect
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import CreateTable

from ._store import make_table

_DIALECTS = {
    "postgresql": postgresql.dialect,
    "mysql": mysql.dialect,
    "sqlite": sqlite.dialect,
}


async def ensure_table(conn: AsyncConnection, table: Table) -> None:
    """Create ``table`` if it is not there; another process creating it meanwhile is fine."""
    try:
        if not await conn.run_sync(_exists, table.name):
            await conn.run_sync(table.create, checkfirst=True)
        await conn.commit()
    except DBAPIError:
        await conn.rollback()
        if not await conn.run_sync(_exists, table.name):
            raise
        await conn.rollback()


async def table_exists(conn: AsyncConnection, table: Table) -> bool:
    """Whether ``table`` is there, asking the database's catalogue (no failed statement)."""
    return await conn.run_sync(_exists, table.name)


def _exists(sync_conn: object, name: str) -> bool:
    return bool(inspect(sync_conn).has_table(name))


def ddl(database: str, table: str = "fastapi_maintenance") -> str:
    """``CREATE TABLE`` for ``table`` as the driver issues it on ``database``
    (``postgresql``, ``mysql`` or ``sqlite``; MariaDB's is MySQL's)."""
    statement = CreateTable(make_table(table)).compile(dialect=_DIALECTS[database]())
    lines = str(statement).strip().replace("\t", "    ").splitlines()
    return "\n".join(line.rstrip() for line in lines) + ";"
