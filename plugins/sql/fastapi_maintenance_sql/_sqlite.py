"""SQLite connections that wait for a lock as long as a call may take, and hold none once
closed."""

from __future__ import annotations

import sqlite3
import weakref
from typing import Any


class ClosingConnection(sqlite3.Connection):
    """A ``sqlite3`` connection that closes the cursors it made before it closes itself.

    aiosqlite runs each statement in a thread of its own, where a cancelled call (cut short
    by ``timeout``, or by ``aclose()``) cannot stop it: the statement finishes there, and its
    cursor is dropped unread. An unread ``SELECT`` keeps the database's read lock, and
    ``sqlite3`` closes a connection with such a statement only once the cursor is garbage
    collected; until then no other connection, in this process or another, could write.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cursors: weakref.WeakSet[sqlite3.Cursor] = weakref.WeakSet()

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        cursor = super().cursor(*args, **kwargs)
        self._cursors.add(cursor)
        return cursor

    def close(self) -> None:
        cursors, self._cursors = list(self._cursors), weakref.WeakSet()
        for cursor in cursors:
            cursor.close()
        super().close()


def connect_args(timeout: float) -> dict[str, Any]:
    """``sqlite3.connect`` arguments: wait up to ``timeout`` seconds for another connection's
    lock (SQLite's busy timeout), as long as the driver lets a call take, so the statement
    ends in its thread when the call does; and close cut-short statements on close."""
    return {"timeout": timeout, "factory": ClosingConnection}
