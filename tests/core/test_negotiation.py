"""Browsers get the maintenance page and API clients JSON, by the ``Accept`` header's rules."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from fastapi_maintenance import MaintenanceModeMiddleware
from fastapi_maintenance.responses import ACCEPT_LIMIT, ACCEPT_RANGES, wants_html

from .support import RawCall

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


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


# the parser against a plain reference -------------------------------------------------


def _reference(accept: str) -> bool:
    """The negotiation written plainly: every range parsed, then the best match of each type."""
    accept = accept.lower()
    if "text/" not in accept:
        return False
    ranges = []
    for part in accept.split(","):
        media, _, params = part.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        ranges.append((media.strip(), q))

    def preference(media: str) -> tuple[float, int]:
        wanted = {media: 2, media.split("/")[0] + "/*": 1, "*/*": 0}
        best: tuple[int, float, int] | None = None
        for position, (candidate, q) in enumerate(ranges):
            specificity = wanted.get(candidate, -1)
            if specificity >= 0 and (best is None or specificity > best[0]):
                best = (specificity, q, -position)
        return (best[1], best[2]) if best else (0.0, 0)

    return preference("text/html") > preference("application/json")


MEDIA = st.sampled_from(
    [
        *("text/html", "TEXT/HTML", "text/*", "text/plain", "application/json", "application/*"),
        *("*/*", "application/xml", "image/webp", "application/xhtml+xml", ""),
    ]
)
PARAM = st.one_of(
    st.floats(0, 1).map(lambda q: f"q={q:.3g}"),
    st.sampled_from(["q=0", "q=1", "q=1.0", "Q=0.5", "q=oops", "q=2", "q=-1", "q=", "q=nan"]),
    st.sampled_from(["v=b3", "level=1", "charset=utf-8", ""]),
)
SPACE = st.sampled_from(["", " ", "  "])
RANGE = st.builds(
    lambda space, media, params, after: space + ";".join([media, *params]) + after,
    SPACE,
    MEDIA,
    st.lists(PARAM, max_size=2),
    SPACE,
)
ORDINARY = st.lists(RANGE, min_size=1, max_size=ACCEPT_RANGES).map(",".join)


@given(ORDINARY)
def test_ordinary_headers_get_the_plain_reference_answer(accept: str) -> None:
    assert wants_html(_request(accept)) is _reference(accept)


@given(ACCEPT)
def test_any_short_header_gets_the_plain_reference_answer(accept: str) -> None:
    assert wants_html(_request(accept)) is _reference(accept)


# headers of hostile size --------------------------------------------------------------


def test_ranges_beyond_the_range_limit_are_not_read() -> None:
    others = "text/plain," * ACCEPT_RANGES
    assert wants_html(_request(others + "text/html")) is False
    assert wants_html(_request("text/html," + others)) is True


def test_ranges_beyond_the_read_limit_are_not_read() -> None:
    long_range = "text/plain;" + "x" * ACCEPT_LIMIT + ","
    assert wants_html(_request(long_range + "text/html")) is False
    assert wants_html(_request("text/html," + long_range)) is True


def test_range_cut_by_the_read_limit_is_dropped() -> None:
    """``application/json;q=1e-5`` cut at the limit must not be read as ``q=1``."""
    html, json = "text/html;q=0.3,", "application/json;q=1"
    padding = " " * (ACCEPT_LIMIT - len(html) - len(json))
    assert wants_html(_request(html + padding + json + "e-5")) is True


HOSTILE = {
    "short ranges": "a," * 30_720,
    "repeated html": "text/html;q=0.5," * 3_840,
    "one long range": "text/" + "x" * 61_435,
    "parameters": "text/html" + ";q=0.5" * 10_240,
    "spaces": "text/html" + " " * 61_431,
}


async def _costs_of_a_503(*accepts: str) -> list[float]:
    """The best time of 100 in-process 503s for each ``Accept``, measured in turns."""
    app = FastAPI()
    app.add_middleware(MaintenanceModeMiddleware, enable_maintenance=True)
    app.add_api_route("/items", lambda: [])
    scopes = []
    for accept in accepts:
        call = RawCall("/items")
        call.scope["headers"].append((b"accept", accept.encode("latin-1")))
        scopes.append(call.scope)
    message = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    async def drop(message: dict[str, Any]) -> None:
        return None

    best = [float("inf")] * len(scopes)
    for _ in range(15):
        for number, scope in enumerate(scopes):
            start = time.perf_counter()
            for _ in range(100):
                await app(scope, receive, drop)
            best[number] = min(best[number], time.perf_counter() - start)
    return best


@pytest.mark.anyio
@pytest.mark.parametrize("accept", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_60_kib_header_costs_at_most_three_ordinary_ones(accept: str) -> None:
    assert len(accept) >= 60 * 1024
    ordinary, hostile = await _costs_of_a_503(BROWSER, accept)
    assert hostile < 3 * ordinary
