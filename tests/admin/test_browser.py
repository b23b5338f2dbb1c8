"""The admin page in a real headless Chromium, JavaScript off: an operator logs in, reads the
state, switches it with the form, and sees what went wrong when the input is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import Cookie, Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse

from fastapi_maintenance import MaintenanceModeMiddleware, admin_router
from fastapi_maintenance._admin.page import CSRF_COOKIE

from .support import DetailsMemoryBackend, serving
from .webdriver import Browser, WebDriverError, chromium_for_tests

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSION = "operator-session-0123456789abcdef"
PAGE = "/admin/maintenance/page"
#: A site whose subdomains all lead to this machine: the shop's admin and a sibling.
SITE = "shop.test"
RESOLVE_SITE = f"--host-resolver-rules=MAP *.{SITE} 127.0.0.1"
#: The form token an attacker chooses, and plants as the token cookie.
PLANTED = "attacker-chosen-token-0123456789abcdefghijklmn"


def require_session(session: str | None = Cookie(default=None)) -> str:
    """A cookie session, as a browser-facing admin often has: the case the form token is for."""
    if session != SESSION:
        raise HTTPException(401, "log in first")
    return "alice"


def operator_app(backend: DetailsMemoryBackend) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    router = admin_router(
        backend=backend, dependencies=[Depends(require_session)], updated_by=require_session
    )
    app.include_router(router, prefix="/admin")

    @app.get("/login")
    async def login() -> RedirectResponse:
        response = RedirectResponse(PAGE, status_code=303)
        response.set_cookie("session", SESSION, httponly=True, samesite="lax")
        return response

    return app


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium with JavaScript off; skipped without one, a failure in CI."""
    yield from chromium_for_tests(javascript=False, args=[RESOLVE_SITE])


@pytest.fixture
def backend() -> DetailsMemoryBackend:
    return DetailsMemoryBackend()


@pytest.fixture
def site(backend: DetailsMemoryBackend, browser: Browser) -> Iterator[str]:
    """The operator's app, served, with the browser logged in to it."""
    with serving(operator_app(backend)) as base:
        browser.open(f"{base}/login")
        yield base


def test_the_page_shows_the_state_after_logging_in(browser: Browser, site: str) -> None:
    assert browser.url == f"{site}{PAGE}"
    assert browser.title == "Maintenance mode: OFF"
    assert browser.text("#state") == "OFF"


def test_the_pages_own_style_applies_under_its_content_security_policy(
    browser: Browser, site: str
) -> None:
    assert browser.css("#state", "color") == "rgba(27, 122, 58, 1)"


def test_the_form_switches_maintenance_on_with_a_message_and_an_end(
    browser: Browser, site: str, backend: DetailsMemoryBackend
) -> None:
    browser.type("input[name=message]", "Database upgrade, back at 03:00 UTC")
    browser.type("input[name=duration]", "30m")
    browser.submit("#switch-on")
    assert browser.url == f"{site}{PAGE}"
    assert browser.text("#state") == "ON"
    details = browser.text("#details")
    assert "Database upgrade, back at 03:00 UTC" in details
    assert "by alice" in details
    assert backend.state.ends_at is not None
    shown = browser.attribute("#details time", "datetime")
    assert shown == backend.state.ends_at.replace(microsecond=0).isoformat()
    assert backend.state.message == "Database upgrade, back at 03:00 UTC"


def test_read_only_and_switch_off_from_the_form(
    browser: Browser, site: str, backend: DetailsMemoryBackend
) -> None:
    browser.click("input[name=read_only]")
    browser.submit("#switch-on")
    assert "read-only" in browser.text("#details")
    assert backend.state.read_only is True
    browser.submit("#switch-off")
    assert browser.text("#state") == "OFF"
    assert backend.state.on is False


def test_a_refused_input_is_explained_and_what_was_typed_is_kept(
    browser: Browser, site: str, backend: DetailsMemoryBackend
) -> None:
    browser.type("input[name=message]", "Back soon")
    browser.type("input[name=duration]", "half an hour")
    browser.submit("#switch-on")
    assert "expected a number of days, hours, minutes and seconds" in browser.text("#error")
    assert browser.attribute("input[name=message]", "value") == "Back soon"
    assert backend.writes == 0


def sibling_app(target: str) -> FastAPI:
    """A page on another subdomain of the shop's site: it plants a token cookie for the whole
    site and offers a form posting that token to the admin page."""
    app = FastAPI()

    @app.get("/")
    async def lure() -> HTMLResponse:
        response = HTMLResponse(
            f"""<!doctype html><title>Prize</title>
<form method="post" action="{target}">
<input type="hidden" name="csrf_token" value="{PLANTED}">
<input type="hidden" name="action" value="on">
<input type="hidden" name="message" value="Closed for good">
<button type="submit" id="claim">Claim your prize</button></form>"""
        )
        response.set_cookie(CSRF_COOKIE, PLANTED, domain=SITE, path=PAGE, samesite="strict")
        return response

    return app


def test_a_page_on_a_sibling_subdomain_planting_the_token_cookie_cannot_switch_it(
    browser: Browser, backend: DetailsMemoryBackend
) -> None:
    with serving(operator_app(backend)) as base:
        admin = base.replace("127.0.0.1", f"admin.{SITE}")
        browser.open(f"{admin}/login")
        assert browser.text("#state") == "OFF"
        with serving(sibling_app(f"{admin}{PAGE}")) as other:
            browser.open(other.replace("127.0.0.1", f"www.{SITE}"))
            browser.submit("#claim")
        assert (backend.writes, backend.state.on) == (0, False)
        assert browser.url == f"{admin}{PAGE}"
        assert "nothing was changed" in browser.text("#error")
        sent = {(c["domain"], c["value"]) for c in browser.cookies() if c["name"] == CSRF_COOKIE}
        assert (f".{SITE}", PLANTED) in sent


def framing_app(target: str) -> FastAPI:
    """A page of another origin that shows the admin page in a frame."""
    app = FastAPI()

    @app.get("/")
    async def frame() -> HTMLResponse:
        page = f'<!doctype html><title>Frame</title><iframe id="admin" src="{target}">'
        return HTMLResponse(page)

    return app


def test_chromium_does_not_show_the_page_in_a_frame_even_on_a_sibling_subdomain(
    browser: Browser, backend: DetailsMemoryBackend
) -> None:
    with serving(operator_app(backend)) as base:
        admin = base.replace("127.0.0.1", f"admin.{SITE}")
        browser.open(f"{admin}/login")
        assert browser.text("#state") == "OFF"
        with serving(framing_app(f"{admin}{PAGE}")) as other:
            browser.open(other.replace("127.0.0.1", f"www.{SITE}"))
            browser.frame("#admin")
            try:
                with pytest.raises(WebDriverError, match="no such element"):
                    browser.find("#state")
            finally:
                browser.frame(None)


def test_the_page_creates_a_scope_and_ends_it_with_its_button(
    browser: Browser, site: str, backend: DetailsMemoryBackend
) -> None:
    browser.type("input[name=scope_name]", "billing")
    browser.type("input[name=scope_paths]", "/billing/*")
    browser.type("input[name=scope_methods]", "POST")
    browser.type("input[name=scope_message]", "Billing is being upgraded")
    browser.submit("#scope-on")
    assert browser.url == f"{site}{PAGE}"
    listed = browser.text("#scope-billing")
    assert "billing is ON" in listed
    assert "/billing/*" in listed and "POST" in listed and "Billing is being upgraded" in listed
    assert browser.text("#state") == "OFF"
    scope = backend.state.scope_named("billing")
    assert scope is not None and scope.updated_by == "alice"
    browser.submit("#end-billing")
    assert browser.url == f"{site}{PAGE}"
    assert browser.text("#no-scopes") == "No scope is stored."
    assert backend.state.scopes == ()
