"""The admin router's HTML page: the state, and a plain form to switch it.

One self-contained page (no external asset). Behind a session cookie or HTTP Basic it works
without script. When the router's auth refuses the browser (a bearer-token app), the page
answers with that status and a field for a token, which its one script, allowed by hash,
keeps in the tab and sends as ``Authorization`` on the page's own requests. The form is
protected against cross-site posts by a random value kept in a ``SameSite=Strict`` cookie
and, in the form, an HMAC of it that only the server can make (see ``_admin.csrf``). The
page may not be framed, so another site cannot trick a click on its buttons.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._model.model import MAX_MESSAGE_LENGTH, MaintenanceScope, MaintenanceState
from .._model.timespec import format_duration, format_time, parse_time
from .._state.api import BackendSpec, get_maintenance_state
from ..decorators import force_maintenance_mode_off
from .csrf import FormTokens
from .models import ScopeIn, SwitchOn

#: The cookie holding the random value the form's token is made from.
CSRF_COOKIE = "fastapi_maintenance_csrf"
#: The largest form accepted, in bytes.
MAX_FORM_BYTES = 16384

SwitchOnFn = Callable[[SwitchOn | None, str], Awaitable[Any]]
SwitchOffFn = Callable[[str], Awaitable[Any]]
PutScopeFn = Callable[[str, ScopeIn, str], Awaitable[Any]]
EndScopeFn = Callable[[str], Awaitable[Any]]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem;
color:#222;line-height:1.5}
h1{font-size:1.5rem}.on{color:#b00020}.off{color:#1b7a3a}.scheduled{color:#8a5a00}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:bold}
dd{margin:0}form{display:grid;gap:.75rem;margin-top:1.5rem}label{display:grid;gap:.25rem}
input[type=text]{padding:.4rem;font:inherit}.check{display:block}
.error{background:#fde8ec;border:1px solid #b00020;padding:.5rem 1rem}
button{padding:.5rem 1rem;font:inherit;margin-right:.5rem}
h2{font-size:1.2rem;margin-top:2rem}.scope{border-top:1px solid #ccc;padding:.5rem 0}
.scope form{display:block;margin:.25rem 0 0}
"""

#: The page's one script. Inert until a bearer token is given in the sign-in field: then it
#: keeps the token in this tab's sessionStorage, and loads and posts the page itself with
#: ``Authorization: Bearer``, showing each answer's ``<main>``. A refused token is forgotten.
_SCRIPT = """
"use strict";
(() => {
  const KEY = "fastapi-maintenance-admin-token";
  const store = window.sessionStorage;
  const token = () => store.getItem(KEY);
  async function load(init) {
    const sent = token();
    const response = await fetch(location.pathname, {
      ...init, headers: {Authorization: "Bearer " + sent}, credentials: "same-origin",
      cache: "no-store", redirect: "manual",
    });
    if (response.type === "opaqueredirect") return load({method: "GET"});
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = page.querySelector("main");
    if (main === null) throw new Error("HTTP " + response.status);
    if (main.querySelector("#token-form") !== null && store.getItem(KEY) === sent) {
      store.removeItem(KEY);
    }
    document.title = page.title;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    wire();
  }
  function failed(error) {
    const shown = document.createElement("p");
    shown.className = "error";
    shown.id = "error";
    shown.setAttribute("role", "alert");
    shown.textContent = "The request failed: " + error.message;
    document.querySelector("main").prepend(shown);
  }
  function wire() {
    const ask = document.getElementById("token-form");
    if (ask !== null) {
      ask.hidden = false;
      ask.addEventListener("submit", (event) => {
        event.preventDefault();
        store.setItem(KEY, ask.elements.token.value.trim());
        load({method: "GET"}).catch(failed);
      });
    }
    const forms = document.querySelectorAll("form[method=post]");
    const forget = document.getElementById("forget");
    if (forms.length === 0 || forget === null || token() === null) return;
    forget.hidden = false;
    forget.addEventListener("click", () => { store.removeItem(KEY); location.reload(); });
    for (const form of forms) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const body = new URLSearchParams(new FormData(form));
        if (event.submitter && event.submitter.name) {
          body.append(event.submitter.name, event.submitter.value);
        }
        load({method: "POST", body}).catch(failed);
      });
    }
  }
  wire();
  if (token() !== null && document.getElementById("token-form") !== null) {
    load({method: "GET"}).catch(failed);
  }
})();
"""


def _hash(source: str) -> str:
    return base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()


#: The page loads nothing, may only post to its own origin and fetch from it, and is never
#: framed; its one inline style and its one inline script are allowed by their hashes.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_hash(_STYLE)}'; "
        f"script-src 'sha256-{_hash(_SCRIPT)}'; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
}
#: The statuses of an auth dependency refusing the browser, answered with the sign-in page.
SIGN_IN_STATUSES = frozenset({401, 403})
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
    """The page: the state, an error if the last post failed, the form, and the scopes with
    a form to create one."""
    now = datetime.now(timezone.utc)
    word, kind = _word(state, now)
    details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in _rows(state, now))

    fields = form or {}

    def value(name: str) -> str:
        return html.escape(fields.get(name, ""), quote=True)

    def checked(name: str) -> str:
        return " checked" if fields.get(name) else ""

    safe_token = html.escape(token, quote=True)
    return _document(
        f"Maintenance mode: {word}",
        f"""<h1>Maintenance mode is <strong id="state" class="{kind}">{word}</strong></h1>
<dl id="details">{details}</dl>
{_alert(error)}
<form method="post" id="switch">
<input type="hidden" name="csrf_token" value="{safe_token}">
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
<label>Addresses or ranges let through (10.0.0.0/8, 2001:db8::1; separated by spaces or commas)
<input type="text" name="allow_ips" value="{value("allow_ips")}"></label>
<label>Paths let through (/health, /internal/*; separated by spaces or commas)
<input type="text" name="allow_paths" value="{value("allow_paths")}"></label>
<label class="check"><input type="checkbox" name="read_only" value="1"{checked("read_only")}>
Read-only: reads pass, writes get 503</label>
<p><button type="submit" name="action" value="on" id="switch-on">Switch on</button>
<button type="submit" name="action" value="off" id="switch-off">Switch off</button></p>
</form>
<h2>Scopes</h2>
{_scope_list(state.scopes, safe_token, now)}
<h3>Create or replace a scope</h3>
<form method="post" id="scope-form">
<input type="hidden" name="csrf_token" value="{safe_token}">
<label>Name (letters, digits, '.', '_', '-')
<input type="text" name="scope_name" maxlength="64" value="{value("scope_name")}"></label>
<label>Paths (/billing, /billing/*; separated by spaces or commas)
<input type="text" name="scope_paths" value="{value("scope_paths")}"></label>
<label>Methods (POST, DELETE; empty: every method)
<input type="text" name="scope_methods" value="{value("scope_methods")}"></label>
<label>Route tags (separated by commas)
<input type="text" name="scope_tags" value="{value("scope_tags")}"></label>
<label>Hosts (eu.shop.example; separated by spaces or commas)
<input type="text" name="scope_hosts" value="{value("scope_hosts")}"></label>
<label>Services (billing; separated by spaces or commas)
<input type="text" name="scope_services" value="{value("scope_services")}"></label>
<label>Message for its users
<input type="text" name="scope_message" maxlength="{MAX_MESSAGE_LENGTH}"
 value="{value("scope_message")}"></label>
<label>Duration (90s, 30m, 2h, 1h30m, 1d; empty: until ended)
<input type="text" name="scope_duration" placeholder="30m" value="{value("scope_duration")}">
</label>
<label class="check">
<input type="checkbox" name="scope_read_only" value="1"{checked("scope_read_only")}>
Read-only: reads pass, writes get 503</label>
<p><button type="submit" name="action" value="scope-on" id="scope-on">Save the scope</button></p>
</form>
<p><button type="button" id="forget" hidden>Forget the token</button></p>""",
    )


def _scope_list(scopes: tuple[MaintenanceScope, ...], token: str, now: datetime) -> str:
    """Each scope: its name and state, the requests it picks, its details, an End button."""
    if not scopes:
        return '<p id="no-scopes">No scope is stored.</p>'
    items = []
    for scope in scopes:
        name = html.escape(scope.name, quote=True)
        word, kind = _word(scope.state, now)
        rows = [
            (label, html.escape(", ".join(values)))
            for label, values in (
                ("Paths", scope.paths),
                ("Methods", scope.methods),
                ("Tags", scope.tags),
                ("Hosts", scope.hosts),
                ("Services", scope.services),
            )
            if values
        ]
        rows += _rows(scope.state, now)
        details = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
        items.append(
            f"""<li class="scope" id="scope-{name}" data-scope="{name}">
<strong>{name}</strong> is <strong class="{kind}">{word}</strong>
<dl>{details}</dl>
<form method="post"><input type="hidden" name="csrf_token" value="{token}">
<input type="hidden" name="scope" value="{name}">
<button type="submit" name="action" value="scope-end" id="end-{name}">End {name}</button>
</form></li>"""
        )
    return f'<ul id="scopes">{"".join(items)}</ul>'


def _word(state: MaintenanceState, now: datetime) -> tuple[str, str]:
    if state.is_active(now):
        return "ON", "on"
    if state.is_scheduled(now):
        return "SCHEDULED", "scheduled"
    return "OFF", "off"


def _rows(state: MaintenanceState, now: datetime) -> list[tuple[str, str]]:
    """The details of a state (or a scope's) as (label, HTML) rows."""
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
    if state.allow_ips:
        rows.append(("Addresses let through", html.escape(", ".join(state.allow_ips))))
    if state.allow_paths:
        rows.append(("Paths let through", html.escape(", ".join(state.allow_paths))))
    return rows


def render_sign_in(status: int, detail: object) -> str:
    """The page shown when the router's auth refuses the browser: why, how to get in, and a
    field for a bearer token (shown by the page's script; the token never goes in a URL)."""
    return _document(
        "Maintenance mode: sign in",
        f"""<h1>Maintenance mode: sign in</h1>
{_alert(f"The application answered {status}: {detail}")}
<p>This page is behind the application's authentication. Sign in to the application and
reload this page, or, if it takes bearer tokens, give one here: this page sends it in the
<code>Authorization</code> header of its own requests and keeps it in this tab only.</p>
<form id="token-form" hidden>
<label>Bearer token
<input type="password" name="token" id="token" autocomplete="off" required></label>
<p><button type="submit" id="use-token">Open with this token</button></p>
</form>
<noscript><p>Giving a bearer token needs JavaScript.</p></noscript>""",
    )


def _alert(error: str | None) -> str:
    return f'<p class="error" id="error" role="alert">{html.escape(error)}</p>' if error else ""


def _document(title: str, main: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
{main}
</main>
<script>{_SCRIPT}</script>
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
    """The form's fields as a ``SwitchOn``; times without an offset are UTC."""

    def text(name: str) -> str | None:
        return form.get(name, "").strip() or None

    def entries(name: str) -> list[str]:
        return [entry for entry in _SEPARATORS.split(form.get(name, "")) if entry]

    starts, ends = text("starts_at"), text("ends_at")
    return SwitchOn(
        message=text("message"),
        duration=text("duration"),
        starts_at=None if starts is None else parse_time(starts, naive=timezone.utc),
        ends_at=None if ends is None else parse_time(ends, naive=timezone.utc),
        read_only=bool(form.get("read_only")),
        allow_ips=entries("allow_ips"),
        allow_paths=entries("allow_paths"),
    )


#: What separates the entries of an allow-list field: spaces, commas, new lines.
_SEPARATORS = re.compile(r"[\s,]+")
#: What separates route tags, which may hold spaces: commas and new lines.
_TAG_SEPARATORS = re.compile(r"[,\n]+")


def _scope_from(form: Mapping[str, str]) -> ScopeIn:
    """The scope form's fields (``scope_*``) as a ``ScopeIn``."""

    def entries(name: str, separators: re.Pattern[str] = _SEPARATORS) -> list[str]:
        return [e.strip() for e in separators.split(form.get(name, "")) if e.strip()]

    return ScopeIn(
        paths=entries("scope_paths"),
        methods=entries("scope_methods"),
        tags=entries("scope_tags", _TAG_SEPARATORS),
        hosts=entries("scope_hosts"),
        services=entries("scope_services"),
        message=form.get("scope_message", "").strip() or None,
        duration=form.get("scope_duration", "").strip() or None,
        read_only=bool(form.get("scope_read_only")),
    )


def _problem(exc: ValidationError) -> str:
    return "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())


class _SignInRoute(APIRoute):
    """A route answering its auth dependencies' refusal (401, 403) with the sign-in page, in
    that status and with that refusal's headers: a ``WWW-Authenticate: Basic`` still makes
    the browser ask for a password, and a bearer-token app gets a page to give a token."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await handle(request)
            except StarletteHTTPException as exc:
                if exc.status_code not in SIGN_IN_STATUSES:
                    raise
                headers = {**PAGE_HEADERS, **(exc.headers or {})}
                page = render_sign_in(exc.status_code, exc.detail)
                return HTMLResponse(page, status_code=exc.status_code, headers=headers)

        return handler


def page_routes(
    router: APIRouter,
    backend: BackendSpec | None,
    signer: Callable[..., Any],
    switch_on: SwitchOnFn,
    switch_off: SwitchOffFn,
    tokens: FormTokens,
    put_scope: PutScopeFn,
    end_scope: EndScopeFn,
) -> None:
    """Add ``GET`` and ``POST {prefix}/page`` to ``router``, their forms signed by ``tokens``;
    left out of the OpenAPI schema, as HTML for browsers, not an API for clients."""

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

    @force_maintenance_mode_off
    async def get_page(request: Request) -> Response:
        return await show(request, tokens.cookie(request.cookies.get(CSRF_COOKIE)))

    router.add_api_route(
        "/page",
        get_page,
        methods=["GET"],
        response_class=HTMLResponse,
        include_in_schema=False,
        route_class_override=_SignInRoute,
    )

    @router.post("/page", response_class=HTMLResponse, include_in_schema=False)
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
            elif action == "scope-on":
                await put_scope(form.get("scope_name", "").strip(), _scope_from(form), by)
            elif action == "scope-end":
                await end_scope(form.get("scope", ""))
            else:
                raise HTTPException(422, "choose Switch on, Switch off, or a scope's button")
        except ValidationError as exc:
            return await show(request, cookie, 422, _problem(exc), form)
        except ValueError as exc:
            return await show(request, cookie, 422, str(exc), form)
        except HTTPException as exc:
            return await show(request, cookie, exc.status_code, str(exc.detail), form)
        return RedirectResponse(request.url.path, status_code=303)
