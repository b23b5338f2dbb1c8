"""What lies below the middleware: warn about layers that belong outside it."""

from __future__ import annotations

import logging
from typing import Any

from starlette.middleware.cors import CORSMiddleware

logger = logging.getLogger("fastapi_maintenance")

#: How many layers below the middleware are looked at.
_MAX_LAYERS = 64


def warn_if_wrapping_cors(app: Any) -> None:
    """Warn when a ``CORSMiddleware`` sits inside the middleware wrapping ``app``: the 503s
    would lack CORS headers.

    Starlette builds the middleware stack from the inside out at startup, so the layers
    below this one already exist when it is made.
    """
    layer: Any = app
    for _ in range(_MAX_LAYERS):
        # An app wrapped from outside keeps its own middleware in a list until it starts.
        inner = [getattr(m, "cls", None) for m in getattr(layer, "user_middleware", None) or ()]
        if isinstance(layer, CORSMiddleware) or any(
            isinstance(cls, type) and issubclass(cls, CORSMiddleware) for cls in inner
        ):
            logger.warning(
                "MaintenanceModeMiddleware wraps CORSMiddleware, so its 503 responses carry no "
                "CORS headers and browsers cannot read them from another origin; add "
                "MaintenanceModeMiddleware before CORSMiddleware (see the middleware order page "
                "of the docs)"
            )
            return
        layer = getattr(layer, "app", None)
        if layer is None:
            return
