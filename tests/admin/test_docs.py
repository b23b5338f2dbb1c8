"""The admin router recipes of docs/operators.md work when pasted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import asgi_client

pytestmark = pytest.mark.anyio

DOC = Path(__file__).resolve().parents[2] / "docs" / "operators.md"
DOCS_BACKEND = '"file:///tmp/myapp/maintenance"'
STATE = "/admin/maintenance"
PAGE = f"{STATE}/page"
PASSWORD = "pa55word"


def recipe(marker: str, state_file: Path) -> Any:
    """The app of the page's Python example holding ``marker``, its state file moved under
    ``state_file``."""
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    (code,) = [block for block in blocks if marker in block]
    assert DOCS_BACKEND in code
    namespace: dict[str, Any] = {}
    exec(code.replace(DOCS_BACKEND, repr(state_file.as_uri())), namespace)
    return namespace["app"]


@pytest.fixture
def state_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)
    return tmp_path / "maintenance"


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def test_the_bearer_recipe_logs_in_during_maintenance_and_signs_with_the_email(
    state_file: Path,
) -> None:
    async with asgi_client(recipe("OAuth2PasswordBearer", state_file)) as client:

        async def log_in() -> dict[str, str]:
            form = {"username": "admin@example.com", "password": PASSWORD}
            answer = await client.post("/api/v1/login/access-token", data=form)
            assert answer.status_code == 200, answer.text
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        on = await client.post(f"{STATE}/on", headers=await log_in(), json={})
        assert (on.json()["active"], on.json()["updated_by"]) == (True, "admin@example.com")
        auth = await log_in()
        signing_in = await client.get(PAGE)
        assert signing_in.status_code == 401
        assert 'id="token-form"' in signing_in.text
        assert 'id="state" class="on"' in (await client.get(PAGE, headers=auth)).text
        wrong = await client.get(STATE, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 403


async def test_the_basic_recipe_asks_the_browser_for_the_password(state_file: Path) -> None:
    async with asgi_client(recipe("HTTPBasic", state_file)) as client:
        asked = await client.get(PAGE)
        assert asked.status_code == 401
        assert asked.headers["www-authenticate"] == 'Basic realm="operators"'
        assert "The application answered 401: Not authenticated" in asked.text
        assert (await client.get(PAGE, auth=("ops", "wrong"))).status_code == 401
        page = await client.get(PAGE, auth=("ops", PASSWORD))
        form = {"csrf_token": csrf_token(page), "action": "on"}
        switched = await client.post(PAGE, auth=("ops", PASSWORD), data=form)
        assert switched.status_code == 303
        state = (await client.get(STATE, auth=("ops", PASSWORD))).json()
    assert (state["active"], state["updated_by"]) == (True, "ops")


async def test_the_cookie_recipe_logs_in_during_maintenance_and_switches_from_the_page(
    state_file: Path,
) -> None:
    async with asgi_client(recipe("SESSIONS", state_file)) as client:

        async def log_in(name: str) -> None:
            assert (await client.get("/login")).status_code == 200
            logged = await client.post("/login", data={"username": name, "password": PASSWORD})
            assert (logged.status_code, logged.headers["location"]) == (303, PAGE)
            # The cookie is Secure and this client speaks plain HTTP: hand it back by name.
            client.cookies.set("session", logged.cookies["session"])

        async def switch(action: str) -> None:
            page = await client.get(PAGE)
            form = {"csrf_token": csrf_token(page), "action": action}
            assert (await client.post(PAGE, data=form)).status_code == 303

        refused = await client.get(PAGE)
        assert refused.status_code == 401
        assert "The application answered 401: log in first at /login" in refused.text
        await log_in("erin")
        await switch("on")
        assert (await client.get(STATE)).json()["active"] is True
        client.cookies.clear()
        await log_in("frank")
        await switch("off")
        state = (await client.get(STATE)).json()
    assert (state["on"], state["updated_by"]) == (False, "frank")
