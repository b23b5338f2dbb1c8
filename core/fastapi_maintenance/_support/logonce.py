"""Log a recurring problem once, and its recovery once, instead of on every request."""

from __future__ import annotations

import logging
import os

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


def where_raised(exc: BaseException) -> str:
    """``file:line`` of the innermost frame an exception went through: where a failure is
    logged without its message or traceback, which could quote a secret."""
    trace = exc.__traceback__
    while trace is not None and trace.tb_next is not None:
        trace = trace.tb_next
    if trace is None:
        return "an unknown place"
    return f"{os.path.basename(trace.tb_frame.f_code.co_filename)}:{trace.tb_lineno}"
