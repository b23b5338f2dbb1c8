"""What the driver keeps in the database, and how it writes and reads it back.

One table, one row per key: ``state`` holds the state document (for now the text
``format_state_text`` writes, ``1`` or ``0``), ``version`` counts the writes, ``updated_at``
says when the last one happened. A missing row is off. A write updates the row and bumps
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
from sqlalchemy.ext.asyncio import AsyncConnection

from fastapi_maintenance import InvalidStateError
from fastapi_maintenance.backends import format_state_text, parse_state_text

from ._options import MAX_KEY_LENGTH

__all__ = ["MAX_STATE_CHARS", "InvalidStateError", "make_table", "parse_hint", "read", "write"]

#: The longest state document the row may hold; anything longer is garbage, never read whole.
MAX_STATE_CHARS = 65536
#: ``"<version> <key>"`` as the driver notifies it. Anything else on the channel is dropped.
_ANNOUNCEMENT = re.compile(r"([0-9]{1,20}) (.*)", re.DOTALL)
_EXPECTED = "expected 1 or 0 (or on/off, true/false, yes/no)"


def make_table(name: str) -> Table:
    """The table, as ``CREATE TABLE`` makes it and as the docs show its DDL."""
    return Table(
        name,
        MetaData(),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("state", Text, nullable=False),
        Column("version", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


async def read(conn: AsyncConnection, table: Table, key: str) -> tuple[bool, int]:
    """The state and its version, in one query, reading at most :data:`MAX_STATE_CHARS`.

    A missing row is off at version 0. ``InvalidStateError`` if the row holds anything but a
    state; it gives the length of what it found, never its content.
    """
    state = table.c.state
    query = select(
        func.length(state), func.substr(state, 1, MAX_STATE_CHARS), table.c.version
    ).where(table.c.key == key)
    row = (await conn.execute(query)).first()
    if row is None:
        return False, 0
    size, head, version = row
    if size is not None and int(size) > MAX_STATE_CHARS:
        raise InvalidStateError(
            f"the row {key!r} holds a state of {int(size)} characters, more than the "
            f"{MAX_STATE_CHARS} a state may have; {_EXPECTED}"
        )
    return parse_state(head, f"the row {key!r}"), int(version)


async def write(
    conn: AsyncConnection, table: Table, key: str, value: bool, channel: str | None
) -> int:
    """Store ``value`` and bump the version in the transaction ``conn`` is in; return it.

    The update comes first, so on SQLite the transaction takes the write lock at once, and on
    PostgreSQL and MySQL the row lock orders concurrent writers. Where no row is there yet,
    it is inserted; ``IntegrityError`` if another writer inserted it meanwhile (roll back and
    call again). ``channel``: notify it too, in the same transaction.
    """
    text = format_state_text(value)
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


def parse_state(raw: object, what: str) -> bool:
    """A state read from the row."""
    try:
        return parse_state_text(raw) if isinstance(raw, str) else _not_text(raw)
    except ValueError:
        size = len(raw) if isinstance(raw, str | bytes) else 0
        raise InvalidStateError(
            f"{what} holds {size} characters that are not a maintenance state; {_EXPECTED}"
        ) from None


def _not_text(raw: object) -> bool:
    raise ValueError(f"not text: {type(raw).__name__}")
