"""What a database role that may only NOTIFY can do to the followers: nothing but hint.

Any role that may connect may NOTIFY on any channel. A notification only hints that the row
changed, and a flood of them costs the database at most one read per follower and
``HINT_INTERVAL``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import Table, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance_sql import _follower

from .._remote.hints import (
    assert_a_change_amid_a_flood_is_served,
    assert_a_flood_costs_at_most_one_read_per_interval,
)
from .conftest import Database, MakeBackend

pytestmark = pytest.mark.anyio

#: No resync and no poll within a test: only a notification explains a read.
PUSH_ONLY = {"resync_interval": 600, "poll_interval": 600}

Notify = Callable[[float], "asyncio.Future[int]"]


@pytest.fixture
async def notifier(postgresql: Database) -> AsyncIterator[AsyncConnection]:
    """A connection of a new role that may connect and NOTIFY, and read nothing; the role
    is dropped afterwards."""
    role = f"fm_test_notify_{uuid.uuid4().hex[:12]}"
    postgresql.execute(f"CREATE ROLE {role} LOGIN")
    engine = create_async_engine(make_url(postgresql.url).set(username=role, password=None))
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn
    finally:
        await engine.dispose()
        postgresql.execute(f"DROP ROLE {role}")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When the followers read the row, as ``loop.time()``; appended to as they do."""
    made: list[float] = []
    real = _follower.read

    async def counted(
        conn: AsyncConnection, table: Table, key: str
    ) -> tuple[MaintenanceState, int]:
        made.append(asyncio.get_running_loop().time())
        return await real(conn, table, key)

    monkeypatch.setattr(_follower, "read", counted)
    return made


async def flood(conn: AsyncConnection, channel: str, seconds: float) -> int:
    """NOTIFY forged announcements of far-future versions for ``seconds``; how many."""
    loop = asyncio.get_running_loop()
    deadline, sent = loop.time() + seconds, 0
    notify = text("SELECT pg_notify(:channel, :payload)")
    while loop.time() < deadline:
        payload = f"{10**19 + sent} default"  # distinct: PostgreSQL folds equal ones
        await conn.execute(notify, {"channel": channel, "payload": payload})
        sent += 1
    return sent


async def test_the_role_may_notify_but_not_read_the_row(
    postgresql: Database, make_backend: MakeBackend, notifier: AsyncConnection
) -> None:
    backend = make_backend(postgresql)
    await backend.set_value(True)
    with pytest.raises(ProgrammingError, match="permission denied"):
        await notifier.execute(select(text("*")).select_from(text(postgresql.table)))


async def test_a_flood_of_forged_notifications_costs_at_most_one_read_per_hint_interval(
    postgresql: Database, make_backend: MakeBackend, notifier: AsyncConnection, reads: list[float]
) -> None:
    follower = make_backend(postgresql, **PUSH_ONLY)
    await assert_a_flood_costs_at_most_one_read_per_interval(
        follower, lambda seconds: flood(notifier, postgresql.table, seconds), reads
    )


async def test_a_change_made_amid_a_flood_of_forged_notifications_is_still_served(
    postgresql: Database, make_backend: MakeBackend, notifier: AsyncConnection
) -> None:
    follower, writer = make_backend(postgresql, **PUSH_ONLY), make_backend(postgresql)
    await assert_a_change_amid_a_flood_is_served(
        follower, writer, lambda seconds: flood(notifier, postgresql.table, seconds)
    )
