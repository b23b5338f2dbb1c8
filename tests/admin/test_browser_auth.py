"""The admin page in a real headless Chromium, JavaScript on, behind each kind of auth FastAPI
apps use: bearer tokens (given in the page, kept in the tab), HTTP Basic, a session cookie."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from fastapi import Cookie, Depends, FastAPI, HTTPException
from fastapi.responses import RedirectResponse
from fastapi.security import (
    HTTPBasic,
    HTTPBasicCredentials,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)
from pydantic import BaseModel

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    MaintenanceState,
    admin_router,
    force_maintenance_mode_off,
)

from .support import DetailsMemoryBackend, serving
from .webdriver import Browser, chromium_for_tests

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(60)]

PAGE = "/admin/maintenance/page"
PASSWORD = "correct horse battery staple"
#: The key the page keeps the token under, in the tab's sessionStorage.
STORED = "sessionStorage.getItem('fastapi-maintenance-admin-token')"


class User(BaseModel):
    email: str
    is_superuser: bool


def bearer_app(backend: DetailsMemoryBackend) -> FastAPI:
    """An app in the style of FastAPI's full-stack template: OAuth2 password flow, a token
    route kept up during maintenance, and a superuser dependency answering a ``User``."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    tokens: dict[str, User] = {}
    oauth2 = OAuth2PasswordBearer(tokenUrl="/login/access-token")

    def current_user(token: str = Depends(oauth2)) -> User:
        user = tokens.get(token)
        if user is None:
            raise HTTPException(403, "Could not validate credentials")
        return user

    def current_superuser(user: User = Depends(current_user)) -> User:  # noqa: B008
        if not user.is_superuser:
            raise HTTPException(403, "The user doesn't have enough privileges")
        return user

    @app.post("/login/access-token")
    @force_maintenance_mode_off
    def login(form: OAuth2PasswordRequestForm = Depends()) -> dict[str, str]:  # noqa: B008
        if form.password != PASSWORD:
            raise HTTPException(400, "Incorrect email or password")
        token = secrets.token_urlsafe(32)
        tokens[token] = User(email=form.username, is_superuser=form.username.startswith("admin"))
        return {"access_token": token, "token_type": "bearer"}

    router = admin_router(
        backend=backend,
        dependencies=[Depends(current_superuser)],
        updated_by=current_superuser,
    )
    app.include_router(router, prefix="/admin")
    return app


def basic_app(backend: DetailsMemoryBackend) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)
    basic = HTTPBasic()

    def operator(credentials: HTTPBasicCredentials = Depends(basic)) -> str:  # noqa: B008
        if not secrets.compare_digest(credentials.password, PASSWORD):
            raise HTTPException(401, "operators only", headers={"WWW-Authenticate": "Basic"})
        return credentials.username

    router = admin_router(backend=backend, dependencies=[Depends(operator)], updated_by=operator)
    app.include_router(router, prefix="/admin")
    return app


SESSION = "operator-session-0123456789abcdef"


def cookie_app(backend: DetailsMemoryBackend) -> FastAPI:
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, backend=backend)

    def operator(session: str | None = Cookie(default=None)) -> str:
        if session != SESSION:
            raise HTTPException(401, "log in first")
        return "carol"

    router = admin_router(backend=backend, dependencies=[Depends(operator)], updated_by=operator)
    app.include_router(router, prefix="/admin")

    @app.get("/login")
    @force_maintenance_mode_off
    async def login() -> RedirectResponse:
        response = RedirectResponse(PAGE, status_code=303)
        response.set_cookie("session", SESSION, httponly=True, samesite="lax")
        return response

    return app


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium with JavaScript on; skipped without one, a failure in CI."""
    yield from chromium_for_tests(javascript=True)


@pytest.fixture
def backend() -> DetailsMemoryBackend:
    """Maintenance on, as when an operator most needs the page."""
    return DetailsMemoryBackend(MaintenanceState(on=True, message="Database upgrade"))


@pytest.fixture
def bearer_site(backend: DetailsMemoryBackend) -> Iterator[str]:
    with serving(bearer_app(backend)) as base:
        yield base


def log_in(base: str, username: str) -> str:
    """The token the app's login route gives, as Swagger's *Authorize* gets it: the route is
    forced off, so it answers during maintenance."""
    form = {"username": username, "password": PASSWORD}
    answer = httpx.post(f"{base}/login/access-token", data=form, timeout=10)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def give_token(browser: Browser, token: str) -> None:
    browser.type("#token", token)
    browser.click("#use-token")


def test_with_a_bearer_token_given_in_the_page_an_operator_switches_it_off(
    browser: Browser, bearer_site: str, backend: DetailsMemoryBackend
) -> None:
    browser.open(f"{bearer_site}{PAGE}")
    assert browser.title == "Maintenance mode: sign in"
    assert "401: Not authenticated" in browser.text("#error")
    give_token(browser, log_in(bearer_site, "admin@shop.example"))
    browser.wait_for_text("#state", "ON")
    assert "Database upgrade" in browser.text("#details")
    browser.click("#switch-off")
    browser.wait_for_text("#state", "OFF")
    assert (backend.state.on, backend.state.updated_by) == (False, "admin@shop.example")
    assert browser.url == f"{bearer_site}{PAGE}"


def test_the_token_is_kept_in_the_tab_only_and_survives_a_reload_until_forgotten(
    browser: Browser, bearer_site: str
) -> None:
    token = log_in(bearer_site, "admin@shop.example")
    browser.open(f"{bearer_site}{PAGE}")
    give_token(browser, token)
    browser.wait_for_text("#state", "ON")
    assert browser.run(f"return {STORED}") == token
    assert browser.run("return window.localStorage.length") == 0
    assert all(token not in cookie["value"] for cookie in browser.cookies())
    assert token not in browser.url
    browser.open(f"{bearer_site}{PAGE}")
    browser.wait_for_text("#state", "ON")
    browser.click("#forget")
    browser.wait_for_text("h1", "Maintenance mode: sign in")
    assert browser.run(f"return {STORED}") is None


def test_a_refused_token_is_forgotten_and_the_apps_reason_shown(
    browser: Browser, bearer_site: str, backend: DetailsMemoryBackend
) -> None:
    browser.open(f"{bearer_site}{PAGE}")
    give_token(browser, log_in(bearer_site, "user@shop.example"))
    refused = "The application answered 403: The user doesn't have enough privileges"
    browser.wait_for_text("#error", refused)
    assert browser.displayed("#token-form")
    assert browser.run(f"return {STORED}") is None
    assert backend.writes == 0


def test_with_a_bearer_token_a_refused_input_is_explained_and_the_token_kept(
    browser: Browser, bearer_site: str, backend: DetailsMemoryBackend
) -> None:
    token = log_in(bearer_site, "admin@shop.example")
    browser.open(f"{bearer_site}{PAGE}")
    give_token(browser, token)
    browser.wait_for_text("#state", "ON")
    browser.type("input[name=allow_ips]", "10.0.0.1/8")
    browser.click("#switch-on")
    browser.wait_for_text("#state", "ON")
    assert "did you mean '10.0.0.0/8'?" in browser.text("#error")
    assert browser.attribute("input[name=allow_ips]", "value") == "10.0.0.1/8"
    assert browser.run(f"return {STORED}") == token
    assert backend.writes == 0


def test_behind_http_basic_the_page_works_with_the_browsers_credentials(
    browser: Browser, backend: DetailsMemoryBackend
) -> None:
    with serving(basic_app(backend)) as base:
        with_credentials = base.replace("http://", f"http://dave:{PASSWORD.replace(' ', '%20')}@")
        browser.open(f"{with_credentials}{PAGE}")
        assert browser.text("#state") == "ON"
        assert not browser.displayed("#forget")
        browser.type("input[name=allow_paths]", "/health")
        browser.submit("#switch-on")
        assert browser.text("#state") == "ON"
    assert (backend.state.allow_paths, backend.state.updated_by) == (("/health",), "dave")


def test_behind_a_session_cookie_the_page_works_without_a_token(
    browser: Browser, backend: DetailsMemoryBackend
) -> None:
    with serving(cookie_app(backend)) as base:
        browser.open(f"{base}/login")
        assert browser.text("#state") == "ON"
        assert not browser.displayed("#forget")
        browser.submit("#switch-off")
        assert browser.text("#state") == "OFF"
    assert (backend.state.on, backend.state.updated_by) == (False, "carol")


def test_with_a_bearer_token_the_scope_forms_create_and_end_a_scope(
    browser: Browser, bearer_site: str, backend: DetailsMemoryBackend
) -> None:
    token = log_in(bearer_site, "admin@shop.example")
    browser.open(f"{bearer_site}{PAGE}")
    give_token(browser, token)
    browser.wait_for_text("#state", "ON")
    browser.type("input[name=scope_name]", "exports")
    browser.type("input[name=scope_tags]", "exports")
    browser.click("#scope-on")
    browser.wait_for_text_in("#scope-exports", "exports is ON")
    scope = backend.state.scope_named("exports")
    assert scope is not None and scope.updated_by == "admin@shop.example"
    browser.click("#end-exports")
    browser.wait_for_text("#no-scopes", "No scope is stored.")
    assert backend.state.scopes == ()
    assert browser.run(f"return {STORED}") == token
