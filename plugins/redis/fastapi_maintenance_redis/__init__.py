"""Redis state driver for fastapi-maintenance: one switch, followed by every process."""

from ._backend import RedisBackend
from ._options import DEFAULT_KEY, DEFAULT_RESYNC_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_URL
from ._store import InvalidStateError

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_RESYNC_INTERVAL",
    "DEFAULT_TIMEOUT",
    "DEFAULT_URL",
    "InvalidStateError",
    "RedisBackend",
]
