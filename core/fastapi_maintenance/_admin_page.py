"""The admin router's HTML page: the state, and a plain form to switch it.

One self-contained page (no script, no external asset). The form is protected against
cross-site posts by a random value kept in a ``SameSite=Strict`` cookie and, in the form,
an HMAC of it that only the server can make (see ``_admin_csrf``). The page may not be
framed, so another site cannot trick a click on its buttons.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from ._admin_csrf import FormTokens
from ._admin_models import SwitchOn
from ._api import BackendSpec, get_maintenance_state
from ._model import MAX_MESSAGE_LENGTH, MaintenanceState
from ._timespec import format_duration, format_time, parse_time
from .decorators import force_maintenance_mode_off

#: The cookie holding the random value the form's token is made from.
CSRF_COOKIE = "fastapi_maintenance_csrf"
#: The largest form accepted, in bytes.
MAX_FORM_BYTES = 16384

SwitchOnFn = Callable[[SwitchOn | None, str], Awaitable[Any]]
SwitchOffFn = Callable[[str], Awaitable[Any]]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem;
color:#222;line-height:1.5}
h1{font-size:1.5rem}.on{color:#b00020}.off{color:#1b7a3a}.scheduled{color:#8a5a00}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:bold}
dd{margin:0}form{display:grid;gap:.75rem;margin-top:1.5rem}label{display:grid;gap:.25rem}
input[type=text]{padding:.4rem;font:inherit}.check{display:block}
.error{background:#fde8ec;border:1px solid #b00020;padding:.5rem 1rem}
button{padding:.5rem 1rem;font:inherit;margin-right:.5rem}
"""


#: The page loads nothing, runs no script, may only post to its own origin and is never
#: framed; its one inline style is allowed by its hash.
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
}
_REFUSED = "This form has expired or did not come from this page: nothing was changed. Try again."
_REFUSED_PER_PROCESS = (
    " If this keeps happening and the application runs in several processes, give them all "
    "the same admin_router(csrf_secret=...) or FASTAPI_MAINTENANCE_CSRF_SECRET."
)


def _time(moment: datetime) -> str:
    text = html.escape(format_time(moment))
    return f'<time datetime="{text}">{text}</time>'


def render(
    state: MaintenanceState,
    token: str,
    error: str | None = None,
    form: Mapping[str, str] | None = None,
) -> str:
    """The page: the state, an error if the last post failed, and the form."""
    now = datetime.now(timezone.utc)
    if state.is_active(now):
        word, kind = "ON", "on"
    elif state.is_scheduled(now):
        word, kind = "SCHEDULED", "scheduled"
    else:
        word, kind = "OFF", "off"
    rows = []
    if state.message is not None:
        rows.append(("Message", html.escape(state.message)))
    if state.on and state.has_details:
        mode = "read-only (reads pass, writes get 503)" if state.read_only else "full"
        rows.append(("Mode", mode))
    if state.starts_at is not None or state.ends_at is not None:
        bounds = []
        if state.starts_at is not None:
            bounds.append(f"from {_time(state.starts_at)}")
        if state.ends_at is not None:
            bounds.append(f"until {_time(state.ends_at)}")
        rows.append(("Window", " ".join(bounds)))
    if state.is_scheduled(now) and state.starts_at is not None:
        rows.append(("Starts in", format_duration(state.starts_at - now)))
    elif state.is_active(now) and state.ends_at is not None:
        rows.append(("Time left", format_duration(state.ends_at - now)))
    if state.updated_by is not None or state.updated_at is not None:
        parts = []
        if state.updated_by is not None:
            parts.append(f"by {html.escape(state.updated_by)}")
        if state.updated_at is not None:
            parts.append(f"at {_time(state.updated_at)}")
        rows.append(("Updated", " ".join(parts)))
    details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)

    fields = form or {}

    def value(name: str) -> str:
        return html.escape(fields.get(name, ""), quote=True)

    checked = " checked" if fields.get("read_only") else ""
    alert = f'<p class="error" id="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Maintenance mode: {word}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Maintenance mode is <strong id="state" class="{kind}">{word}</strong></h1>
<dl id="details">{details}</dl>
{alert}
<form method="post">
<input type="hidden" name="csrf_token" value="{html.escape(token, quote=True)}">
<label>Message for users
<input type="text" name="message" maxlength="{MAX_MESSAGE_LENGTH}" value="{value("message")}">
</label>
<label>Duration (90s, 30m, 2h, 1h30m, 1d)
<input type="text" name="duration" placeholder="30m" value="{value("duration")}"></label>
<label>Until (ISO 8601; without an offset, UTC)
<input type="text" name="ends_at" placeholder="2026-12-01T03:00Z" value="{value("ends_at")}">
</label>
<label>Start (ISO 8601; empty: now)
<input type="text" name="starts_at" placeholder="2026-12-01T02:00Z" value="{value("starts_at")}">
</label>
<label class="check"><input type="checkbox" name="read_only" value="1"{checked}>
Read-only: reads pass, writes get 503</label>
<p><button type="submit" name="action" value="on" id="switch-on">Switch on</button>
<button type="submit" name="action" value="off" id="switch-off">Switch off</button></p>
</form>
</main>
</body>
</html>
"""


async def _form(request: Request) -> dict[str, str]:
    """The posted form's fields (the first value of each), refusing oversized bodies."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, f"the form is larger than {MAX_FORM_BYTES} bytes")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def _switch_on_from(form: Mapping[str, str]) -> SwitchOn:
    """The form's fields as a :class:`SwitchOn`; times without an offset are UTC."""

    def text(name: str) -> str | None:
        return form.get(name, "").strip() or None

    starts, ends = text("starts_at"), text("ends_at")
    return SwitchOn(
        message=text("message"),
        duration=text("duration"),
        starts_at=None if starts is None else parse_time(starts, naive=timezone.utc),
        ends_at=None if ends is None else parse_time(ends, naive=timezone.utc),
        read_only=bool(form.get("read_only")),
    )


def _problem(exc: ValidationError) -> str:
    return "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())


def page_routes(
    router: APIRouter,
    backend: BackendSpec | None,
    signer: Callable[..., Any],
    switch_on: SwitchOnFn,
    switch_off: SwitchOffFn,
    tokens: FormTokens,
) -> None:
    """Add ``GET`` and ``POST {prefix}/page`` to ``router``, their forms signed by ``tokens``."""

    async def show(
        request: Request,
        cookie: str,
        status: int = 200,
        error: str | None = None,
        form: Any = None,
    ) -> Response:
        try:
            state = await get_maintenance_state(backend)
        except Exception as exc:
            state, error, status = MaintenanceState(), f"cannot read the state: {exc}", 503
        page = render(state, tokens.token(cookie), error, form)
        response = HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=request.url.path,
        )
        return response

    @router.get("/page", response_class=HTMLResponse, summary="The admin page")
    @force_maintenance_mode_off
    async def get_page(request: Request) -> Response:
        return await show(request, tokens.cookie(request.cookies.get(CSRF_COOKIE)))

    @router.post("/page", response_class=HTMLResponse, summary="Switch from the admin page")
    @force_maintenance_mode_off
    async def post_page(request: Request, by: str = Depends(signer)) -> Response:
        form = await _form(request)
        cookie = request.cookies.get(CSRF_COOKIE)
        if cookie is None or not tokens.match(cookie, form.get("csrf_token")):
            # The fields are not shown back: they may be another site's, waiting for a click.
            hint = "" if tokens.shared else _REFUSED_PER_PROCESS
            return await show(request, tokens.cookie(), 403, _REFUSED + hint)
        action = form.get("action")
        try:
            if action == "on":
                await switch_on(_switch_on_from(form), by)
            elif action == "off":
                await switch_off(by)
            else:
                raise HTTPException(422, "choose Switch on or Switch off")
        except ValidationError as exc:
            return await show(request, cookie, 422, _problem(exc), form)
        except ValueError as exc:
            return await show(request, cookie, 422, str(exc), form)
        except HTTPException as exc:
            return await show(request, cookie, exc.status_code, str(exc.detail), form)
        return RedirectResponse(request.url.path, status_code=303)
