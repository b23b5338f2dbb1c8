"""The default maintenance response: JSON for API clients, a page for browsers."""

from __future__ import annotations

import html

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response

__all__ = ["DEFAULT_DETAIL", "DEFAULT_RETRY_AFTER", "maintenance_response", "wants_html"]

DEFAULT_DETAIL = "Service temporarily unavailable due to maintenance"
DEFAULT_RETRY_AFTER = 3600

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Down for maintenance</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid;
       place-items: center; background: #f6f7f9; color: #1f2328; }}
main {{ max-width: 34rem; padding: 2rem; text-align: center; }}
h1 {{ font-size: 1.6rem; margin-bottom: .5rem; }}
p {{ line-height: 1.5; color: #4b5563; }}
</style>
</head>
<body>
<main>
<h1>Down for maintenance</h1>
<p>{detail}.</p>
<p>{retry}</p>
</main>
</body>
</html>
"""


def wants_html(request: HTTPConnection) -> bool:
    """A browser navigation: ``Accept`` prefers ``text/html`` to JSON (q-values, then order)."""
    accept = request.headers.get("accept", "").lower()
    if "text/" not in accept:
        return False
    ranges = _media_ranges(accept)
    return _preference(ranges, "text/html") > _preference(ranges, "application/json")


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """A lowercased ``Accept`` as ``(media range, q)`` pairs, in order.

    A q that is malformed or outside 0..1 counts as 0.
    """
    ranges = []
    for part in accept.split(","):
        media, _, params = part.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        ranges.append((media.strip(), q))
    return ranges


def _preference(ranges: list[tuple[str, float]], media: str) -> tuple[float, int]:
    """How much ``media`` is wanted: the q of its most specific range, then earlier is better."""
    kind = media.split("/")[0] + "/*"
    best: tuple[int, float, int] = (-1, 0.0, 0)
    for position, (candidate, q) in enumerate(ranges):
        specificity = {media: 2, kind: 1, "*/*": 0}.get(candidate, -1)
        if specificity > best[0]:
            best = (specificity, q, -position)
    return (best[1], best[2]) if best[0] >= 0 else (0.0, 0)


def maintenance_response(
    request: HTTPConnection,
    retry_after: int | None = DEFAULT_RETRY_AFTER,
    detail: str = DEFAULT_DETAIL,
) -> Response:
    """503 with ``{"detail": ...}`` (or an HTML page for browsers) and ``Retry-After``."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    headers["Cache-Control"] = "no-store"
    if wants_html(request):
        retry = (
            f"Please try again in about {_humanize(retry_after)}."
            if retry_after
            else "Please try again shortly."
        )
        page = _PAGE.format(detail=html.escape(detail.rstrip(".")), retry=retry)
        return HTMLResponse(page, status_code=503, headers=headers)
    return JSONResponse({"detail": detail}, status_code=503, headers=headers)


def _humanize(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour" + ("s" if hours > 1 else "")
    if seconds >= 60:
        minutes = round(seconds / 60)
        return f"{minutes} minute" + ("s" if minutes > 1 else "")
    return f"{seconds} second" + ("s" if seconds != 1 else "")
