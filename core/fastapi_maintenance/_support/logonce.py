"""Log a recurring problem once, and its recovery once, instead of on every request."""

from __future__ import annotations

import logging

logger = logging.getLogger("fastapi_maintenance")

_MAX_KEYS = 256


class Problems:
    """Remembers which problems were already logged so each is reported once."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def report(self, key: str, message: str, *args: object, exc_info: bool = False) -> None:
        if key in self._seen:
            return
        if len(self._seen) >= _MAX_KEYS:
            self._seen.clear()
        self._seen.add(key)
        logger.error(message, *args, exc_info=exc_info)

    def pending(self, key: str) -> bool:
        """Whether ``key`` was reported and has not been resolved since."""
        return key in self._seen

    def resolved(self, key: str, message: str, *args: object) -> None:
        if key in self._seen:
            self._seen.discard(key)
            logger.warning(message, *args)
