"""SQL state driver for fastapi-maintenance: one switch in the database you already have."""

from fastapi_maintenance import InvalidStateError

from ._backend import AsyncioRequiredError, SqlBackend
from ._options import (
    DEFAULT_APPLICATION_NAME,
    DEFAULT_KEY,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_RESYNC_INTERVAL,
    DEFAULT_TABLE,
    DEFAULT_TIMEOUT,
)
from ._schema import ddl
from ._store import MAX_STATE_CHARS

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_APPLICATION_NAME",
    "DEFAULT_KEY",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_RESYNC_INTERVAL",
    "DEFAULT_TABLE",
    "DEFAULT_TIMEOUT",
    "MAX_STATE_CHARS",
    "AsyncioRequiredError",
    "InvalidStateError",
    "SqlBackend",
    "ddl",
]
