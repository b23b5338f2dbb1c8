"""The admin page: the state and a plain form, guarded by the router's auth and a form token."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import Depends, FastAPI, HTTPException
from hypothesis import given
from hypothesis import strategies as st

from fastapi_maintenance import MaintenanceState
from fastapi_maintenance._admin.csrf import CSRF_SECRET_ENV, FormTokens
from fastapi_maintenance._admin.page import CSRF_COOKIE, MAX_FORM_BYTES
from tests.conftest import asgi_client

from .support import AUTH, DetailsMemoryBackend, shop_app

pytestmark = pytest.mark.anyio

PAGE = "/admin/maintenance/page"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
#: The key an operator gives every process of the shop.
SECRET = "a-secret-all-processes-share-0123456789"


async def form_token(client: httpx.AsyncClient) -> str:
    page = await client.get(PAGE, headers=AUTH)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


async def test_the_page_shows_the_state_and_sets_a_strict_http_only_token_cookie(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(PAGE, headers=AUTH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'Maintenance mode is <strong id="state" class="off">OFF</strong>' in page.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert f"Path={PAGE}" in cookie


def policy_of(response: httpx.Response) -> list[str]:
    return [part.strip() for part in response.headers["content-security-policy"].split(";")]


def inline_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


async def test_the_page_loads_nothing_and_runs_only_its_own_script_allowed_by_hash(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(PAGE, headers=AUTH)
    page = response.text
    assert not re.search(r"""(src|href)=|@import|url\(""", page)
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == page.count("<script") == 1
    policy = policy_of(response)
    assert "default-src 'none'" in policy
    assert f"script-src {inline_hash(scripts[0])}" in policy
    assert "connect-src 'self'" in policy


async def test_posting_the_form_switches_on_and_redirects_back_to_the_page(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    token = await form_token(client)
    form = {"csrf_token": token, "action": "on", "message": "Back soon", "duration": "30m"}
    response = await client.post(PAGE, headers=AUTH, data=form)
    assert response.status_code == 303
    assert response.headers["location"] == PAGE
    assert (backend.state.message, backend.state.updated_by) == ("Back soon", "alice")
    page = (await client.get(PAGE, headers=AUTH)).text
    assert "<dt>Message</dt><dd>Back soon</dd>" in page
    assert re.search(r'until <time datetime="[0-9T:+-]+">', page)


@pytest.fixture
def local_zone_not_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time zone set to UTC+05:30 for the test, then restored."""
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    try:
        assert time.localtime().tm_gmtoff == 5 * 3600 + 30 * 60
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.usefixtures("local_zone_not_utc")
@pytest.mark.parametrize("field", ["ends_at", "starts_at"])
async def test_the_form_reads_times_without_an_offset_as_utc_whatever_the_local_zone(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend, field: str
) -> None:
    token = await form_token(client)
    form = {"csrf_token": token, "action": "on", field: "2099-01-01T12:00"}
    response = await client.post(PAGE, headers=AUTH, data=form)
    assert response.status_code == 303, response.text
    moment = getattr(backend.state, field)
    assert moment is not None
    assert moment.isoformat() == "2099-01-01T12:00:00+00:00"


async def test_a_message_is_shown_escaped(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    token = await form_token(client)
    form = {"csrf_token": token, "action": "on", "message": "<b>x</b> & y"}
    await client.post(PAGE, headers=AUTH, data=form)
    page = (await client.get(PAGE, headers=AUTH)).text
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in page
    assert "<b>x</b>" not in page


@pytest.mark.parametrize("token", ["", "forged-token-from-another-site-0123456789"])
async def test_a_post_without_the_page_token_changes_nothing(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend, token: str
) -> None:
    await form_token(client)
    response = await client.post(PAGE, headers=AUTH, data={"csrf_token": token, "action": "on"})
    assert response.status_code == 403
    assert "nothing was changed" in response.text
    assert backend.writes == 0


async def test_a_post_with_neither_cookie_nor_form_token_changes_nothing(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    response = await client.post(PAGE, headers=AUTH, data={"action": "on"})
    assert response.status_code == 403
    assert "nothing was changed" in response.text
    assert backend.writes == 0


async def test_the_token_stays_valid_across_a_reload_or_a_second_tab(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    first = await form_token(client)
    await form_token(client)
    response = await client.post(PAGE, headers=AUTH, data={"csrf_token": first, "action": "on"})
    assert response.status_code == 303
    assert backend.state.on is True


def padded_form(token: str, size: int) -> bytes:
    """A valid form switching on, padded with an unknown field to exactly ``size`` bytes."""
    head = urlencode({"csrf_token": token, "action": "on", "pad": ""}).encode()
    return head + b"x" * (size - len(head))


async def test_a_form_of_the_largest_size_is_taken(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    body = padded_form(await form_token(client), MAX_FORM_BYTES)
    response = await client.post(PAGE, headers={**AUTH, **FORM}, content=body)
    assert response.status_code == 303
    assert backend.state.on is True


async def test_a_form_over_the_limit_answers_413_and_changes_nothing(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    body = padded_form(await form_token(client), MAX_FORM_BYTES + 1)
    response = await client.post(PAGE, headers={**AUTH, **FORM}, content=body)
    assert response.status_code == 413
    assert f"larger than {MAX_FORM_BYTES} bytes" in response.text
    assert backend.writes == 0


async def test_invalid_input_shows_what_is_wrong_and_keeps_what_was_typed(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    token = await form_token(client)
    form = {"csrf_token": token, "action": "on", "message": "Hi", "duration": "soon"}
    response = await client.post(PAGE, headers=AUTH, data=form)
    assert response.status_code == 422
    assert "expected a number of days, hours, minutes and seconds" in response.text
    assert 'name="message" maxlength="500" value="Hi"' in response.text
    assert backend.writes == 0


async def test_switch_off_from_the_page_clears_the_state(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    token = await form_token(client)
    await client.post(PAGE, headers=AUTH, data={"csrf_token": token, "action": "on"})
    await client.post(PAGE, headers=AUTH, data={"csrf_token": token, "action": "off"})
    assert backend.state.on is False


async def test_a_scheduled_window_shows_when_it_starts(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    token = await form_token(client)
    form = {"csrf_token": token, "action": "on", "starts_at": "2099-01-01T00:00Z"}
    await client.post(PAGE, headers=AUTH, data=form)
    page = (await client.get(PAGE, headers=AUTH)).text
    assert 'class="scheduled">SCHEDULED</strong>' in page
    assert "<dt>Starts in</dt><dd>" in page
    assert 'from <time datetime="2099-01-01T00:00:00+00:00">' in page


#: A form token an attacker chooses, planted as the cookie and repeated in the form.
PLANTED = "attacker-chosen-token-0123456789abcdefghijklmn"


@pytest.mark.parametrize("visited", [False, True], ids=["fresh", "after a visit"])
async def test_a_planted_cookie_with_the_same_form_field_changes_nothing(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend, visited: bool
) -> None:
    if visited:
        await form_token(client)
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, PLANTED, domain="testserver.local", path=PAGE)
    form = {"csrf_token": PLANTED, "action": "on", "message": "Closed for good"}
    response = await client.post(PAGE, headers=AUTH, data=form)
    assert response.status_code == 403
    assert "nothing was changed" in response.text
    assert backend.writes == 0
    assert PLANTED not in response.text
    assert "Closed for good" not in response.text
    assert f"{CSRF_COOKIE}={PLANTED}" not in response.headers["set-cookie"]


async def test_the_page_may_not_be_framed(client: httpx.AsyncClient) -> None:
    token = await form_token(client)
    shown = await client.get(PAGE, headers=AUTH)
    refused = await client.post(PAGE, headers=AUTH, data={"action": "on"})
    invalid = await client.post(
        PAGE, headers=AUTH, data={"csrf_token": token, "action": "on", "duration": "soon"}
    )
    for page in (shown, refused, invalid):
        assert page.headers["x-frame-options"] == "DENY"
        policy = [part.strip() for part in page.headers["content-security-policy"].split(";")]
        assert "frame-ancestors 'none'" in policy


def two_processes(**router_options: Any) -> tuple[FastAPI, FastAPI]:
    """The shop as two processes behind one load balancer build it: one router each."""
    backend = DetailsMemoryBackend()
    return shop_app(backend, **router_options), shop_app(backend, **router_options)


async def post_to_the_other(first: FastAPI, second: FastAPI) -> httpx.Response:
    """The page read from ``first``, its form posted to ``second`` with the cookie it set."""
    async with asgi_client(first) as one, asgi_client(second) as other:
        token = await form_token(one)
        other.cookies = one.cookies
        return await other.post(PAGE, headers=AUTH, data={"csrf_token": token, "action": "on"})


async def test_processes_given_the_same_csrf_secret_take_each_others_forms() -> None:
    response = await post_to_the_other(*two_processes(csrf_secret=SECRET))
    assert response.status_code == 303


async def test_processes_given_the_same_secret_variable_take_each_others_forms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CSRF_SECRET_ENV, SECRET)
    response = await post_to_the_other(*two_processes())
    assert response.status_code == 303


async def test_without_a_secret_each_process_takes_only_its_own_forms() -> None:
    response = await post_to_the_other(*two_processes())
    assert response.status_code == 403
    assert "FASTAPI_MAINTENANCE_CSRF_SECRET" in response.text


async def test_processes_with_different_secrets_refuse_each_others_forms() -> None:
    first = shop_app(DetailsMemoryBackend(), csrf_secret=SECRET)
    second = shop_app(DetailsMemoryBackend(), csrf_secret=SECRET[::-1])
    response = await post_to_the_other(first, second)
    assert response.status_code == 403
    assert "FASTAPI_MAINTENANCE_CSRF_SECRET" not in response.text


async def test_a_short_csrf_secret_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes") as raised:
        shop_app(DetailsMemoryBackend(), csrf_secret="too-short-a-secret")
    assert "too-short-a-secret" not in str(raised.value)
    monkeypatch.setenv(CSRF_SECRET_ENV, "too-short-a-secret")
    with pytest.raises(ValueError, match=f"{CSRF_SECRET_ENV} is 18 bytes long"):
        shop_app(DetailsMemoryBackend())


@given(cookie=st.text(), sent=st.text())
def test_only_the_servers_own_token_matches_a_cookie(cookie: str, sent: str) -> None:
    tokens = FormTokens(SECRET)
    assert not tokens.match(cookie, cookie)
    assert tokens.match(cookie, sent) == (32 <= len(cookie) <= 128 and sent == tokens.token(cookie))


async def test_the_form_stores_allow_lists_separated_by_spaces_commas_or_lines(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    token = await form_token(client)
    form = {
        "csrf_token": token,
        "action": "on",
        "allow_ips": " 10.0.0.0/8, 2001:db8::/32\n192.0.2.7 ",
        "allow_paths": "/internal/*,/health",
    }
    response = await client.post(PAGE, headers=AUTH, data=form)
    assert response.status_code == 303, response.text
    assert backend.state.allow_ips == ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7")
    assert backend.state.allow_paths == ("/internal/*", "/health")
    page = (await client.get(PAGE, headers=AUTH)).text
    assert "<dd>10.0.0.0/8, 2001:db8::/32, 192.0.2.7</dd>" in page
    assert "<dd>/internal/*, /health</dd>" in page


@pytest.mark.parametrize(
    ("field", "good", "entry"),
    [("allow_ips", "192.0.2.7", "10.0.0.1/8"), ("allow_paths", "/health", "internal/*")],
)
async def test_a_malformed_allow_entry_is_refused_with_the_json_apis_message(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend, field: str, good: str, entry: str
) -> None:
    api = await client.post("/admin/maintenance/on", headers=AUTH, json={field: [entry]})
    said = api.json()["detail"][0]["msg"].removeprefix("Value error, ")
    token = await form_token(client)
    form = {"csrf_token": token, "action": "on", field: f"{good} {entry}"}
    response = await client.post(PAGE, headers=AUTH, data=form)
    assert response.status_code == 422
    assert html.escape(said) in response.text
    assert f'name="{field}" value="{good} {entry}"' in response.text
    assert backend.writes == 0


async def test_a_browser_the_auth_refuses_gets_the_sign_in_page_with_its_status_and_headers(
    client: httpx.AsyncClient, backend: DetailsMemoryBackend
) -> None:
    backend.state = MaintenanceState(on=True, message="Secret plans")
    response = await client.get(PAGE)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"].startswith("text/html")
    assert "The application answered 401: operators only" in response.text
    assert 'id="token-form"' in response.text
    assert "Secret plans" not in response.text
    assert 'id="state"' not in response.text
    assert "set-cookie" not in response.headers
    assert "frame-ancestors 'none'" in policy_of(response)


async def test_other_answers_of_the_auth_pass_through_as_they_are(
    backend: DetailsMemoryBackend,
) -> None:
    def to_login() -> None:
        raise HTTPException(303, headers={"Location": "/login"})

    async with asgi_client(shop_app(backend, dependencies=[Depends(to_login)])) as client:
        response = await client.get(PAGE)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
