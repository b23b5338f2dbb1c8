"""What the driver keeps in the database, and how it writes and reads it back.

One table, one row per key: ``state`` holds ``MaintenanceState.to_text``, ``1`` or ``0``
for a state that is only on or off (so a plain ``UPDATE`` can switch it), else a small JSON
document with the message, the window, read-only, the allow-lists, the scopes and who
switched it when (``MEDIUMTEXT`` on MySQL and MariaDB, whose ``TEXT`` holds only 64 KiB);
``version`` counts the writes, ``updated_at`` says when the last one happened. A missing row
is off. A write updates the row and bumps
its version in one transaction; on PostgreSQL the same transaction notifies the channel
named after the table with ``"<version> <key>"``, delivered to listeners when it commits.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.mysql import MEDIUMTEXT
from sqlalchemy.ext.asyncio import AsyncConnection

from fastapi_maintenance import InvalidStateError, MaintenanceState
from fastapi_maintenance.backends import MAX_DETAILS_BYTES, MAX_TEXT_BYTES

from ._options import MAX_KEY_LENGTH

__all__ = ["MAX_STATE_CHARS", "InvalidStateError", "make_table", "parse_hint", "read", "write"]

#: The longest state document the row may hold, in characters (no state takes more than
#: ``MAX_TEXT_BYTES`` bytes); anything longer is garbage, never read whole.
MAX_STATE_CHARS = MAX_TEXT_BYTES
#: What the first query fetches of the row: every state without scopes fits. A longer state
#: takes a second query, so garbage longer than ``MAX_STATE_CHARS`` costs only this much.
_FIRST_READ_CHARS = MAX_DETAILS_BYTES
#: ``"<version> <key>"`` as the driver notifies it. Anything else on the channel is dropped.
_ANNOUNCEMENT = re.compile(r"([0-9]{1,20}) (.*)", re.DOTALL)
_EXPECTED = (
    "expected 1 or 0 (or on/off, true/false, yes/no), or a JSON document "
    '{"fastapi_maintenance": 1, "on": ...}'
)


#: Room for ``MAX_TEXT_BYTES``: ``TEXT`` everywhere but MySQL and MariaDB, where it holds
#: only 64 KiB.
_STATE_TYPE = Text().with_variant(MEDIUMTEXT(), "mysql", "mariadb")


def make_table(name: str) -> Table:
    """The table, as ``CREATE TABLE`` makes it and as the docs show its DDL."""
    return Table(
        name,
        MetaData(),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("state", _STATE_TYPE, nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


async def read(conn: AsyncConnection, table: Table, key: str) -> tuple[MaintenanceState, int]:
    """The state and its version, reading at most ``MAX_STATE_CHARS``: one query for a state
    of up to ``MAX_DETAILS_BYTES`` (any state without scopes), two for a longer one.

    A missing row is off at version 0. ``InvalidStateError`` if the row holds anything but a
    state; it gives the length of what it found, never its content.
    """
    row = await _row(conn, table, key, _FIRST_READ_CHARS)
    if row is not None and row[0] is not None and _FIRST_READ_CHARS < row[0] <= MAX_STATE_CHARS:
        row = await _row(conn, table, key, MAX_STATE_CHARS)
    if row is None:
        return MaintenanceState(), 0
    size, head, version = row
    if size is not None and int(size) > MAX_STATE_CHARS:
        raise InvalidStateError(
            f"the row {key!r} holds a state of {int(size)} characters, more than the "
            f"{MAX_STATE_CHARS} a state may have; {_EXPECTED}"
        )
    return parse_state(head, f"the row {key!r}"), int(version)


async def _row(
    conn: AsyncConnection, table: Table, key: str, limit: int
) -> tuple[int | None, str, int] | None:
    """The row's state length, its first ``limit`` characters and its version, if any."""
    state = table.c.state
    query = select(func.length(state), func.substr(state, 1, limit), table.c.version).where(
        table.c.key == key
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    size, head, version = row
    return (None if size is None else int(size)), head, version


async def write(
    conn: AsyncConnection, table: Table, key: str, state: MaintenanceState, channel: str | None
) -> int:
    """Store ``state`` and bump the version in the transaction ``conn`` is in; return it.

    The update comes first, so on SQLite the transaction takes the write lock at once, and on
    PostgreSQL and MySQL the row lock orders concurrent writers. Where no row is there yet,
    it is inserted; ``IntegrityError`` if another writer inserted it meanwhile (roll back and
    call again). ``channel``: notify it too, in the same transaction.
    """
    text = state.to_text()
    changed = (
        update(table)
        .where(table.c.key == key)
        .values(state=text, version=table.c.version + 1, updated_at=func.current_timestamp())
    )
    if (await conn.execute(changed)).rowcount == 0:
        await conn.execute(
            insert(table).values(
                key=key, state=text, version=1, updated_at=func.current_timestamp()
            )
        )
    found = await conn.execute(select(table.c.version).where(table.c.key == key))
    version = int(found.scalar_one())
    if channel is not None:
        await conn.execute(select(func.pg_notify(channel, f"{version} {key}")))
    return version


def parse_hint(payload: str, key: str) -> int | None:
    """The version a notification announces for ``key``, or ``None`` if it is about another
    key or not the driver's announcement."""
    match = _ANNOUNCEMENT.fullmatch(payload)
    if match is None or match.group(2) != key:
        return None
    return int(match.group(1))


def parse_state(raw: object, what: str) -> MaintenanceState:
    """A state read from the row.

    ``InvalidStateError`` gives the length of what was found and why it is no state,
    never the content.
    """
    why = ""
    if isinstance(raw, str):
        try:
            return MaintenanceState.from_text(raw)
        except ValueError as exc:
            if raw.lstrip().startswith("{"):
                # What is wrong with a document; the model's reasons never quote it.
                why = f" ({str(exc).split('; expected', 1)[0]})"
    size = len(raw) if isinstance(raw, str | bytes) else 0
    raise InvalidStateError(
        f"{what} holds {size} characters that are not a maintenance state{why}; {_EXPECTED}"
    )
