"""Browsers get the maintenance page and API clients JSON, by the ``Accept`` header's rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from fastapi_maintenance.responses import wants_html


def _request(accept: str | None) -> Request:
    headers = [] if accept is None else [(b"accept", accept.encode("latin-1"))]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    "accept",
    [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "text/html",
        "text/html, application/json",
        "application/json;q=0.5, text/html",
        "text/*, application/json;q=0.9",
        "TEXT/HTML",
    ],
)
def test_html_is_chosen_when_preferred(accept: str) -> None:
    assert wants_html(_request(accept)) is True


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/json, text/html",
        "text/html;q=0.5, application/json",
        "text/html;q=0, */*",
        "text/html;q=oops, application/json",
        "application/json, text/html;q=2",
        "text/*;q=0.2, */*;q=0.5",
    ],
)
def test_json_is_chosen_otherwise(accept: str | None) -> None:
    assert wants_html(_request(accept)) is False


ACCEPT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


@given(ACCEPT)
def test_the_choice_ignores_letter_case(accept: str) -> None:
    assert wants_html(_request(accept)) is wants_html(_request(accept.upper()))


@given(ACCEPT)
def test_a_client_listing_json_first_gets_json(accept: str) -> None:
    assert wants_html(_request(f"application/json, {accept}")) is False
