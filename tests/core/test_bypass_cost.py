"""What a blocked request costs does not grow with what a client stuffs into the headers and
the query string the bypass rules read: measured side by side with an ordinary blocked
request, as a ratio (never an absolute time)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest

from fastapi_maintenance._request.tokens import Signer

from .bypass_support import SECRET, echo_app

PROXY = "192.0.2.1"
#: How many times dearer than an ordinary blocked request a hostile one may be: about three
#: with the newest FastAPI, a little more under FastAPI 0.109, where the rest of a request
#: costs less (16 trusted hops walked are 16 hops whatever the header's length); the
#: unbounded parsing this guards against cost a hundred times and more.
RATIO = 4.0
#: Requests per measurement, and measurements per side (the fastest of each side counts).
REQUESTS = 40
ROUNDS = 7

Headers = list[tuple[bytes, bytes]]


def _scope(headers: Headers, query: bytes, method: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/shop",
        "raw_path": b"/shop",
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver"), *headers],
        "client": (PROXY, 1234),
        "server": ("testserver", 80),
    }


def _seconds(app: Any, headers: Headers, query: bytes = b"", method: str = "GET") -> float:
    """The fastest of :data:`ROUNDS` runs of :data:`REQUESTS` requests; each must be blocked."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def run() -> float:
        best = float("inf")
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for _ in range(REQUESTS):
                await app(_scope(list(headers), query, method), receive, send)
            best = min(best, time.perf_counter() - started)
        return best

    seconds = anyio.run(run)
    assert set(statuses) == {503}
    return seconds


def _ratio(app: Any, hostile: Headers, ordinary: Headers, **request: Any) -> float:
    """How many times an ordinary blocked request the hostile one costs."""
    _seconds(app, ordinary)  # warm every cache once
    return _seconds(app, hostile, **request) / _seconds(app, ordinary)


_8KB = 8 * 1024
FORWARDED_SHAPES = {
    "blanks": "for=198.51.100.9" + " " * _8KB,
    "blanks-before": " " * _8KB + "for=198.51.100.9",
    "blanks-before-a-comma": "for=198.51.100.9," + " " * _8KB + ",for=198.51.100.9",
    "commas": "," * _8KB,
    "blanks-and-commas": " ," * (_8KB // 2),
    "an-open-quote": 'for="' + " " * _8KB,
    "a-long-value": "for=" + "1" * _8KB,
    "semicolons": "for=1;" * (_8KB // 6),
    "trusted-hops": "for=192.0.2.2, " * (_8KB // 15),
    "spoofed-left-part": "for=203.0.113.7;" + "a=b;" * (_8KB // 4) + ", for=198.51.100.9",
}
X_FORWARDED_FOR_SHAPES = {
    "blanks": " " * _8KB + "198.51.100.9",
    "commas": "," * _8KB,
    "trusted-hops": "192.0.2.2, " * (_8KB // 11),
}


@pytest.mark.parametrize("value", FORWARDED_SHAPES.values(), ids=FORWARDED_SHAPES.keys())
def test_an_8kb_forwarded_header_costs_a_few_ordinary_blocked_requests(value: str) -> None:
    app = echo_app(
        allow_ips=["203.0.113.0/24"], trusted_proxies=["192.0.2.0/24"], forwarded_header="Forwarded"
    )
    hostile = [(b"forwarded", value.encode())]
    ordinary = [(b"forwarded", b"for=198.51.100.9")]
    assert _ratio(app, hostile, ordinary) <= RATIO


@pytest.mark.parametrize(
    "value", X_FORWARDED_FOR_SHAPES.values(), ids=X_FORWARDED_FOR_SHAPES.keys()
)
def test_an_8kb_x_forwarded_for_header_costs_a_few_ordinary_blocked_requests(value: str) -> None:
    app = echo_app(allow_ips=["203.0.113.0/24"], trusted_proxies=["192.0.2.0/24"])
    hostile = [(b"x-forwarded-for", value.encode())]
    ordinary = [(b"x-forwarded-for", b"198.51.100.9")]
    assert _ratio(app, hostile, ordinary) <= RATIO


_60KB = 60 * 1024
_STALE_COOKIE = Signer([SECRET]).sign(1, b"fastapi-maintenance bypass cookie\0")


@pytest.mark.parametrize(
    "query",
    [b"&" * _60KB, b"maintenance_bypass=x&" * (_60KB // 21), b"%" * _60KB],
    ids=["ampersands", "bypass-parameters", "percents"],
)
def test_60kb_of_query_string_costs_a_few_ordinary_blocked_requests(query: bytes) -> None:
    app = echo_app(bypass_secret=SECRET)
    assert _ratio(app, [], [], query=query) <= RATIO


@pytest.mark.parametrize(
    "cookie",
    [
        b";" * _60KB,
        b"a=b; " * (_60KB // 5),
        f"maintenance_bypass={_STALE_COOKIE}; ".encode() * (_60KB // 70),
    ],
    ids=["semicolons", "other-cookies", "stale-bypass-cookies"],
)
def test_60kb_of_cookies_costs_a_few_ordinary_blocked_requests(cookie: bytes) -> None:
    app = echo_app(bypass_secret=SECRET)
    assert _ratio(app, [(b"cookie", cookie)], [(b"cookie", b"theme=dark")]) <= RATIO
