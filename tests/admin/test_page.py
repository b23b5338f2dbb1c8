"""The admin page: the state and a plain form, guarded by the router's auth and a form token."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest

from fastapi_maintenance._admin_page import CSRF_COOKIE, MAX_FORM_BYTES

from .support import AUTH, DetailsMemoryBackend

pytestmark = pytest.mark.anyio

PAGE = "/admin/maintenance/page"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


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


async def test_the_page_needs_no_external_asset_nor_script(client: httpx.AsyncClient) -> None:
    page = (await client.get(PAGE, headers=AUTH)).text
    assert "<script" not in page
    assert not re.search(r"""(src|href)=|@import|url\(""", page)


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
