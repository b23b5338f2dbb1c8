"""Redis state driver for fastapi-maintenance: one switch, followed by every process."""

from fastapi_maintenance import InvalidStateError

from ._backend import RedisBackend
from ._loop import AsyncioRequiredError
from ._options import DEFAULT_KEY, DEFAULT_RESYNC_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_URL
from ._store import EXPIRY_MARGIN, MAX_STATE_BYTES

__version__ = "0.1.0"

__all__ = [
    "MAX_STATE_BYTES",
    "AsyncioRequiredError",
    "DEFAULT_KEY",
    "DEFAULT_RESYNC_INTERVAL",
    "DEFAULT_TIMEOUT",
    "DEFAULT_URL",
    "EXPIRY_MARGIN",
    "InvalidStateError",
    "RedisBackend",
]
