"""Whatever a client puts in the headers the bypass reads, the answer is never a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_from_bytes

import anyio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_maintenance._model.clients import MAX_HOPS, ClientAddresses, Networks, _forwarded

from .bypass_support import SECRET, echo_app, token

APP = echo_app(
    exempt_paths=["/health"],
    allow_ips=["203.0.113.0/24", "2001:db8::/32"],
    trusted_proxies=["127.0.0.0/8", "192.0.2.0/24"],
    bypass_secret=SECRET,
)
HEADER_VALUE = st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
#: Values shaped like the real thing, so the parsers get past their first check.
SHAPED = st.one_of(
    HEADER_VALUE,
    st.lists(
        st.sampled_from(
            ["for=", "203.0.113.7", '"[2001:db8::1]:4711"', ";", ",", "proto=https", '"', "\\",
             "::ffff:203.0.113.1", "192.0.2.9", "[", "]", ":", " ", "maintenance_bypass=",
             token(), token()[:20], "=", "unknown", "é"]
        ),
        max_size=12,
    ).map(lambda parts: "".join(parts).encode("utf-8")),
)  # fmt: skip


def _status(headers: list[tuple[bytes, bytes]], query: bytes, peer: str) -> int:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/shop",
        "raw_path": b"/shop",
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"testserver"), *headers],
        "client": (peer, 1234),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await APP(scope, receive, send)

    anyio.run(run)
    return int(sent[0]["status"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    forwarded_for=SHAPED,
    forwarded=st.none() | SHAPED,
    cookie=SHAPED,
    bypass=SHAPED,
    query=SHAPED.map(lambda b: quote_from_bytes(b, safe="=&%").encode()),
    peer=st.sampled_from(["127.0.0.1", "192.0.2.1", "198.51.100.1", "::1", "", "garbage"]),
)
def test_arbitrary_forwarding_cookie_and_bypass_headers_never_cause_a_500(
    forwarded_for: bytes,
    forwarded: bytes | None,
    cookie: bytes,
    bypass: bytes,
    query: bytes,
    peer: str,
) -> None:
    headers = [
        (b"x-forwarded-for", forwarded_for),
        (b"cookie", cookie),
        (b"x-maintenance-bypass", bypass),
        (b"x-forwarded-proto", forwarded_for),
    ]
    if forwarded is not None:
        headers.append((b"forwarded", forwarded))
    # Query strings arrive percent-encoded (ASCII), as servers deliver them.
    assert _status(headers, query, peer) in (200, 303, 503)


@given(value=st.text(max_size=200))
def test_the_client_address_walk_never_raises(value: str) -> None:
    clients = ClientAddresses(Networks(["127.0.0.0/8"], "trusted_proxies"))
    for name in (b"forwarded", b"x-forwarded-for"):
        scope = {"client": ("127.0.0.1", 1), "headers": [(name, value.encode("utf-8"))]}
        clients.client(scope)
        clients.is_https(scope)


TOKEN_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~", min_size=1, max_size=8)
VALUE = st.one_of(
    TOKEN_TEXT.map(lambda text: (text, text)),
    st.text(alphabet='abc 0123:[],;=.-"', max_size=12)
    .filter(lambda text: '"' not in text)
    .map(lambda text: (text, f'"{text}"')),
)
BLANKS = st.sampled_from(["", " ", "\t", "  "])


@st.composite
def forwarded_headers(draw: st.DrawFn) -> tuple[str, list[dict[str, str]]]:
    """A well-formed ``Forwarded`` header (blanks and empty elements anywhere they may be),
    and its elements, left to right."""
    elements: list[dict[str, str]] = []
    texts: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        pairs = draw(st.lists(st.tuples(TOKEN_TEXT, VALUE), min_size=1, max_size=4))
        element: dict[str, str] = {}
        for name, (value, _) in pairs:
            element[name.lower()] = value
        elements.append(element)
        texts.append(";".join(f"{name}={written}" for name, (_, written) in pairs))
        texts.extend([""] * draw(st.integers(0, 2)))
    header = ",".join(draw(BLANKS) + text + draw(BLANKS) for text in texts)
    return header, elements


@given(forwarded_headers())
def test_forwarded_read_from_the_right_gives_every_element_in_reverse(
    written: tuple[str, list[dict[str, str]]],
) -> None:
    header, elements = written
    assert list(_forwarded(header)) == elements[::-1][:MAX_HOPS]
