"""``page=MaintenancePage(...)``: a branded maintenance page without a response handler.

A title, a logo, a stylesheet or a whole template; every value from the state escaped,
the bypass-link script kept, and mistakes refused when the page is built.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import Response

from fastapi_maintenance import (
    MaintenanceModeMiddleware,
    MaintenancePage,
    MaintenanceState,
    maintenance_response,
)
from fastapi_maintenance.responses import TEMPLATE_VARIABLES

from .bypass_support import SECRET
from .support import DETAIL, DetailsBackend, shop_app

pytestmark = pytest.mark.anyio

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=timezone.utc)
UPGRADE = MaintenanceState(
    on=True, message="Database upgrade, back at 13:30 UTC", ends_at=NOW + timedelta(minutes=90)
)
HOSTILE = '<img src=x onerror="alert(1)"> & $title ${script} {0} %s'
#: Every variable, each in an element of its own.
EVERY_VARIABLE = (
    "<body>\n"
    + "".join(f'<div id="{name}">${name}</div>\n' for name in TEMPLATE_VARIABLES)
    + "</body>\n"
)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fastapi_maintenance._support.clock.now", NOW.timestamp)


async def page_of(
    client_for: Any, page: MaintenancePage, method: str = "GET", **options: Any
) -> Response:
    """What a browser gets from the shop in maintenance with ``page``."""
    options.setdefault("backend", DetailsBackend(UPGRADE))
    client = client_for(shop_app(page=page, **options))
    response: Response = await client.request(method, "/items", headers={"accept": BROWSER})
    assert response.status_code == 503
    return response


def element(page: str, name: str) -> str:
    """The text of ``<div id="name">`` in a page filled from a template."""
    found = re.search(rf'<div id="{name}">(.*?)</div>\n', page, re.S)
    assert found is not None, page
    return found.group(1)


# the default page, branded -------------------------------------------------------------


async def test_a_title_replaces_the_heading_and_the_tab_title(client_for: Any) -> None:
    page = (await page_of(client_for, MaintenancePage(title="Acme Shop & Co"))).text
    assert "<title>Acme Shop &amp; Co</title>" in page
    assert "<h1>Acme Shop &amp; Co</h1>" in page


async def test_a_logo_is_shown_above_the_heading(client_for: Any) -> None:
    branded = MaintenancePage(logo_url="https://cdn.example.com/logo.svg?v=2&size=m")
    page = (await page_of(client_for, branded)).text
    assert '<img src="https://cdn.example.com/logo.svg?v=2&amp;size=m" alt="">\n<h1>' in page


async def test_a_stylesheet_is_linked_after_the_pages_own_style(client_for: Any) -> None:
    page = (await page_of(client_for, MaintenancePage(stylesheet_url="/static/brand.css"))).text
    assert '</style>\n<link rel="stylesheet" href="/static/brand.css">\n</head>' in page


async def test_a_branded_page_still_says_when_to_come_back(client_for: Any) -> None:
    response = await page_of(client_for, MaintenancePage(title="Acme"))
    assert response.headers["retry-after"] == "5400"
    assert "Please try again in about 1 hour 30 minutes." in response.text
    assert '<time datetime="2030-06-01T13:30:00+00:00">2030-06-01 13:30 UTC</time>' in response.text


async def test_a_branded_page_escapes_a_hostile_message(client_for: Any) -> None:
    state = MaintenanceState(on=True, message=HOSTILE)
    branded = MaintenancePage(title="Acme", stylesheet_url="/brand.css")
    page = (await page_of(client_for, branded, backend=DetailsBackend(state))).text
    assert f"<p>{html.escape(HOSTILE)}.</p>" in page
    assert "<img" not in page


async def test_a_page_leaves_the_json_body_of_a_plain_state_as_0_0_5s(client_for: Any) -> None:
    client = client_for(shop_app(enable_maintenance=True, page=MaintenancePage(title="Acme")))
    response = await client.get("/items")
    assert response.content == b'{"detail":"Service temporarily unavailable due to maintenance"}'
    assert response.json() == DETAIL


async def test_a_branded_page_keeps_the_bypass_link_script(client_for: Any) -> None:
    page = await page_of(client_for, MaintenancePage(title="Acme"), bypass_secret=SECRET)
    assert page.text.endswith("</script>\n</body>\n</html>\n")
    assert 'var name = "maintenance_bypass";' in page.text


# templates -----------------------------------------------------------------------------


async def test_a_template_gets_every_variable(client_for: Any) -> None:
    branded = MaintenancePage(
        title="Acme",
        logo_url="/logo.svg",
        stylesheet_url="https://cdn.example.com/brand.css",
        template=EVERY_VARIABLE,
    )
    page = (await page_of(client_for, branded, backend=DetailsBackend(UPGRADE))).text
    assert {name: element(page, name) for name in TEMPLATE_VARIABLES if name != "details"} == {
        "title": "Acme",
        "message": "Database upgrade, back at 13:30 UTC.",
        "ends_at": "2030-06-01 13:30 UTC",
        "ends_at_iso": "2030-06-01T13:30:00+00:00",
        "retry_after": "5400",
        "read_only": "false",
        "logo_url": "/logo.svg",
        "stylesheet_url": "https://cdn.example.com/brand.css",
        "script": "",
    }
    assert "Please try again in about 1 hour 30 minutes." in element(page, "details")


async def test_a_template_without_an_end_gets_empty_values(client_for: Any) -> None:
    state = MaintenanceState(on=True, read_only=True)
    branded = MaintenancePage(template=EVERY_VARIABLE)
    page = await page_of(
        client_for, branded, "POST", backend=DetailsBackend(state), retry_after=None
    )
    values = {name: element(page.text, name) for name in ("ends_at", "retry_after", "read_only")}
    assert values == {"ends_at": "", "retry_after": "", "read_only": "true"}
    assert "retry-after" not in page.headers


@given(message=st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=200))
def test_every_message_reaches_a_template_escaped_and_unchanged(message: str) -> None:
    state = MaintenanceState(on=True, message=message)
    page = MaintenancePage(template='<div id="message">$message</div>\n')
    filled = bytes(maintenance_response(_browser(), state=state, page=page).body).decode()
    shown = element(filled, "message")
    assert not set(shown) & set("<>\"'")
    sentence = message if message.endswith((".", "!", "?")) else f"{message}."
    assert html.unescape(shown) == sentence


def test_placeholders_in_a_message_stay_text() -> None:
    state = MaintenanceState(on=True, message=HOSTILE)
    page = MaintenancePage(
        title="Acme", template='<h1>$title</h1><div id="message">$message</div>\n'
    )
    filled = bytes(maintenance_response(_browser(), state=state, page=page).body).decode()
    assert element(filled, "message") == html.escape(f"{HOSTILE}.")


def test_a_double_dollar_is_a_dollar_sign() -> None:
    page = MaintenancePage(template="<p>Orders over $$50 ship free once we are back.</p>")
    body = bytes(maintenance_response(_browser(), page=page).body)
    assert body == b"<p>Orders over $50 ship free once we are back.</p>"


async def test_a_template_places_the_bypass_script_where_it_says(client_for: Any) -> None:
    branded = MaintenancePage(
        template="<body><main>Back soon</main>$script<footer></footer></body>"
    )
    page = (await page_of(client_for, branded, bypass_secret=SECRET)).text
    assert page.startswith("<body><main>Back soon</main><script>")
    assert page.endswith("</script>\n<footer></footer></body>")


async def test_a_template_without_script_gets_it_before_the_body_ends(client_for: Any) -> None:
    branded = MaintenancePage(template="<html><BODY><main>Back soon</main></BODY>\n</html>")
    page = (await page_of(client_for, branded, bypass_secret=SECRET)).text
    assert page.startswith("<html><BODY><main>Back soon</main><script>")
    assert page.endswith("</script>\n</BODY>\n</html>")


async def test_a_template_without_a_body_end_gets_the_script_at_its_end(client_for: Any) -> None:
    page = await page_of(client_for, MaintenancePage(template="Back soon"), bypass_secret=SECRET)
    assert page.text.startswith("Back soon<script>")
    assert page.text.endswith("</script>\n")


# response handlers ---------------------------------------------------------------------


async def test_a_response_handler_calling_maintenance_response_gets_the_page(
    client_for: Any,
) -> None:
    def handler(request: Request) -> Response:
        return maintenance_response(request)

    page = await page_of(client_for, MaintenancePage(title="Acme"), response_handler=handler)
    assert "<h1>Acme</h1>" in page.text


def test_maintenance_response_takes_a_page() -> None:
    response = maintenance_response(_browser(), page=MaintenancePage(title="Acme"))
    assert b"<h1>Acme</h1>" in bytes(response.body)


def test_maintenance_response_refuses_a_page_of_another_type() -> None:
    with pytest.raises(TypeError, match="page must be a MaintenancePage"):
        maintenance_response(_browser(), page="<h1>Acme</h1>")  # type: ignore[arg-type]


# mistakes ------------------------------------------------------------------------------

REFUSED_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "logo.png",
    "http://",
    "https:///logo.png",
    "http://[::1/logo.png",
    "ftp://files.example.com/logo.png",
    "/static/my logo.png",
    "",
]


@pytest.mark.parametrize("option", ["logo_url", "stylesheet_url"])
@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_url_of_another_kind_is_refused_saying_what_is_accepted(option: str, url: str) -> None:
    with pytest.raises(ValueError, match=rf"{option} must be an http:// or https:// URL"):
        MaintenancePage(**{option: url})


@pytest.mark.parametrize(
    "url",
    ["https://cdn.example.com/logo.svg", "HTTP://intranet/logo.png", "/static/logo.png", "//cdn"],
)
@pytest.mark.parametrize("option", ["logo_url", "stylesheet_url"])
def test_web_urls_and_paths_are_accepted(option: str, url: str) -> None:
    assert getattr(MaintenancePage(**{option: url}), option) == url


def test_a_logo_may_be_a_data_image_but_a_stylesheet_may_not() -> None:
    logo = "data:image/png;base64,iVBORw0KGgo="
    assert MaintenancePage(logo_url=logo).logo_url == logo
    with pytest.raises(ValueError, match="stylesheet_url must be"):
        MaintenancePage(stylesheet_url="data:image/png;base64,iVBORw0KGgo=")


def test_a_template_naming_an_unknown_variable_is_refused_naming_the_accepted_ones() -> None:
    with pytest.raises(ValueError, match=r"\$end_time.*accepted: \$title, \$message") as refused:
        MaintenancePage(template="<p>Back at $end_time</p>")
    assert all(f"${name}" in str(refused.value) for name in TEMPLATE_VARIABLES)


@pytest.mark.parametrize("template", ["Back at ${ends_at", "Costs $5", "Trailing $"])
def test_a_dollar_that_starts_no_variable_is_refused(template: str) -> None:
    with pytest.raises(ValueError, match=r"is not a variable; write \$\$ for a dollar sign"):
        MaintenancePage(template=template)


@pytest.mark.parametrize("option", ["title", "logo_url", "stylesheet_url"])
def test_an_option_the_template_does_not_use_is_refused(option: str) -> None:
    values = {"title": "Acme", "logo_url": "/logo.png", "stylesheet_url": "/brand.css"}
    with pytest.raises(ValueError, match=rf"{option} is given but the template does not use"):
        MaintenancePage(template="<p>$message</p>", **{option: values[option]})


@pytest.mark.parametrize("title", ["", "   "])
def test_an_empty_title_is_refused(title: str) -> None:
    with pytest.raises(ValueError, match="title must be a non-empty string"):
        MaintenancePage(title=title)


def test_a_title_of_another_type_is_refused() -> None:
    with pytest.raises(TypeError, match="title must be a string or None; got int"):
        MaintenancePage(title=42)  # type: ignore[arg-type]


def test_the_template_variables_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        TEMPLATE_VARIABLES["onclick"] = "anything"  # type: ignore[index]


def test_the_middleware_refuses_a_page_of_another_type() -> None:
    with pytest.raises(TypeError, match="page must be a MaintenancePage"):
        MaintenanceModeMiddleware(FastAPI(), page={"title": "Acme"})  # type: ignore[arg-type]


def test_a_page_is_frozen() -> None:
    page = MaintenancePage(title="Acme")
    with pytest.raises(AttributeError):
        page.title = "javascript:alert(1)"  # type: ignore[misc]


def _browser() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept", b"text/html")]}
    )
