"""The logger every module of the plugin writes to."""

from __future__ import annotations

import logging

logger = logging.getLogger("fastapi_maintenance.sql")
