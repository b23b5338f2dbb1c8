"""Where the tests and benchmarks find Redis: ``REDIS_URL``, else a database of their own."""

from __future__ import annotations

import os
import uuid

#: Database 9 of the local server, so the tests never touch the keys of database 0.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
#: Every key a test or benchmark creates starts with this, and is removed afterwards. The
#: run's own part lets the check for keys left behind see this run's keys only, so two runs
#: on one server (a developer's and CI's) never fail each other.
KEY_PREFIX = f"fastapi_maintenance_test:{uuid.uuid4().hex[:8]}:"


def redis_url() -> str:
    """``REDIS_URL`` if set and not empty, else :data:`DEFAULT_REDIS_URL`."""
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
