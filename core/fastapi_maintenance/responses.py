"""The default maintenance response: JSON for API clients, a page for browsers."""

from __future__ import annotations

import html

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, Response

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
    """A browser navigation: ``text/html`` is accepted and preferred over JSON."""
    accept = request.headers.get("accept", "")
    if "text/html" not in accept:
        return False
    json_at = accept.find("application/json")
    return json_at == -1 or accept.find("text/html") < json_at


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
