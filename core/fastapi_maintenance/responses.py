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


#: How much of an ``Accept`` header is read: its first ranges, within its first characters.
#: Browsers send under 10 ranges in a few hundred characters; reading no further keeps the
#: cost of a hostile header from growing with its size.
ACCEPT_LIMIT = 1024
ACCEPT_RANGES = 16
_NO_MATCH = (-1, 0.0, 0)


def wants_html(request: HTTPConnection) -> bool:
    """A browser navigation: ``Accept`` prefers ``text/html`` to JSON (q-values, then order).

    Only the first :data:`ACCEPT_RANGES` media ranges within the first
    :data:`ACCEPT_LIMIT` characters count.
    """
    accept = _accept(request)
    if "text/" not in accept:
        return False
    ranges = accept.split(",", ACCEPT_RANGES)
    # (specificity, q, -position) of the most specific range matching each type.
    html = json = _NO_MATCH
    for position, part in enumerate(ranges[:ACCEPT_RANGES]):
        media, _, params = part.partition(";")
        media = media.strip()
        if media == "text/html" or media == "text/*":
            specificity = 2 if media == "text/html" else 1
            if specificity > html[0]:
                html = (specificity, _q(params), -position)
        elif media == "application/json" or media == "application/*":
            specificity = 2 if media == "application/json" else 1
            if specificity > json[0]:
                json = (specificity, _q(params), -position)
        elif media == "*/*" and (html[0] < 0 or json[0] < 0):
            anything = (0, _q(params), -position)
            html = anything if html[0] < 0 else html
            json = anything if json[0] < 0 else json
    return _rank(html) > _rank(json)


def _accept(request: HTTPConnection) -> str:
    """The first ``Accept`` header, lowercased, cut to its ranges within the limit."""
    for key, value in request.scope.get("headers", ()):
        if key == b"accept":
            if len(value) > ACCEPT_LIMIT:
                value = value[: ACCEPT_LIMIT + 1]
                value = value[: max(value.rfind(b","), 0)]
            return str(value.decode("latin-1")).lower()
    return ""


def _q(params: str) -> float:
    """The ``q`` parameter of a media range; malformed or outside 0..1 counts as 0."""
    q = 1.0
    if not params:
        return q
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
            if not 0.0 <= q <= 1.0:
                q = 0.0
    return q


def _rank(match: tuple[int, float, int]) -> tuple[float, int]:
    return (match[1], match[2]) if match[0] >= 0 else (0.0, 0)


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
