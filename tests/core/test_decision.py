"""The decision, without ASGI: each row is a request's facts, the state, and what happens.

The rows follow docs/precedence.md. ``exempt_handler`` is application code the middleware
calls, so a row says whether the decision asks it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from ipaddress import IPv4Network, ip_address

import pytest

from fastapi_maintenance import MaintenanceScope, MaintenanceState
from fastapi_maintenance._model.clients import Address
from fastapi_maintenance._model.model import OFF, ON
from fastapi_maintenance._model.paths import PathPatterns
from fastapi_maintenance._request.bypass import bypass_from
from fastapi_maintenance._request.decision import (
    Decision,
    Rules,
    Strip,
    Through,
    Verdict,
    decide,
    held_state,
)
from fastapi_maintenance._request.routes import Outcome, Resolution
from fastapi_maintenance._request.tokens import COOKIE, TOKEN, Signer

NOW = 1_800_000_000.0
_AT = datetime.fromtimestamp(NOW, timezone.utc)

FOUND = Resolution(Outcome.FOUND)
FORCED_ON = Resolution(Outcome.FOUND, True)
FORCED_OFF = Resolution(Outcome.FOUND, False)
NOT_FOUND = Resolution(Outcome.NOT_FOUND)
WRONG_METHOD = Resolution(Outcome.WRONG_METHOD)

READ_ONLY = MaintenanceState(on=True, read_only=True)
LISTS = MaintenanceState(on=True, allow_ips=("10.0.0.0/8",), allow_paths=("/health",))
SCHEDULED = MaintenanceState(on=True, starts_at=_AT + timedelta(hours=1))
RUNNING = MaintenanceState(
    on=True, starts_at=_AT - timedelta(hours=1), ends_at=_AT + timedelta(hours=1)
)
ENDED = MaintenanceState(on=True, ends_at=_AT - timedelta(hours=1))
READ_ONLY_LATER = replace(SCHEDULED, read_only=True)

SHOP = MaintenanceScope("shop", paths=["/shop"])
SCOPED = MaintenanceState(scopes=(SHOP,))
READ_ONLY_SCOPE = MaintenanceScope("shop", paths=["/shop"], read_only=True)
READ_ONLY_SCOPED = MaintenanceState(scopes=(READ_ONLY_SCOPE,))
BILLING_SERVICE = MaintenanceState(scopes=(MaintenanceScope("b", services=["billing"]),))
WRITABLE = Resolution(Outcome.FOUND, writable=True)

#: What ``enable_maintenance=True`` / ``False`` serves in place of the backend's state.
PINNED_ON, PINNED_OFF = ON, OFF

SECRET = "a-secret-for-the-decision-0123456789"
SIGNER = Signer([SECRET])
VALID = SIGNER.sign(int(time.time()) + 3600, TOKEN).encode()
EXPIRED = SIGNER.sign(int(time.time()) - 10, TOKEN).encode()
VALID_COOKIE = SIGNER.sign(int(time.time()) + 3600, COOKIE).encode()
ALLOWED = ip_address("10.1.2.3")
STRANGER = ip_address("203.0.113.9")


def _bypass(**options: object) -> object:
    given = {"exempt_paths": ["/health"], "allow_ips": ["10.0.0.0/8"], "bypass_secret": SECRET}
    given.update(options)
    return bypass_from(
        given["exempt_paths"],  # type: ignore[arg-type]
        given["allow_ips"],  # type: ignore[arg-type]
        None,
        given["bypass_secret"],  # type: ignore[arg-type]
        None,
        None,
        None,
    )


PLAIN = Rules()
BYPASS = Rules(bypass=_bypass())  # type: ignore[arg-type]
NO_SECRET = Rules(bypass=_bypass(bypass_secret=None))  # type: ignore[arg-type]
HANDLER = Rules(exempt_handler=True)
BOTH = Rules(bypass=_bypass(), exempt_handler=True)  # type: ignore[arg-type]
API_ONLY = Rules(paths=PathPatterns(["/api/*"], "paths"))
ANNOUNCING = Rules(announce_schedule=True)
LINK = "maintenance_bypass"


@dataclass(frozen=True)
class Request:
    """A request's facts as the rules see them: a GET for an existing, unforced route."""

    method: str | None = "GET"
    path: str = "/shop"
    route: Resolution = FOUND
    websocket: bool = False
    may_be_forced_on: bool = False
    docs: bool = False
    link_post: bool = False
    client: Address | None = None
    host: bytes = b"shop.example.com"
    bypass_headers: Iterable[bytes] = ()
    bypass_cookies: Iterable[bytes | None] = ()
    selected: tuple[MaintenanceScope, ...] | None = None


GET = Request()
POST = Request(method="POST")
WEBSOCKET = Request(method=None, websocket=True)


def passes(
    state: MaintenanceState | None = None, announce: MaintenanceState | None = None
) -> Decision:
    return Decision(Verdict.PASS, state, announce=announce)


def blocks(
    state: MaintenanceState | None = None, *, handler: bool = False, link: str | None = None
) -> Decision:
    return Decision(Verdict.BLOCK, state, handler, link=link)


def through(
    state: MaintenanceState, rule: str, *args: object, strip: Strip | None = None
) -> Decision:
    return Decision(Verdict.PASS, state, through=Through(rule, args, strip))


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fastapi_maintenance._support.clock.now", lambda: NOW)


ROWS = [
    # 1. a path that does not exist, or a method the route does not take: the app answers
    pytest.param(PLAIN, None, ON, Request(route=NOT_FOUND), passes(ON), id="404-passes"),
    pytest.param(PLAIN, None, ON, Request(route=WRONG_METHOD), passes(ON), id="405-passes"),
    pytest.param(BOTH, None, ON, Request(route=NOT_FOUND), passes(ON), id="404-asks-nothing"),
    # 2. a route forced on: blocked, whatever else applies
    pytest.param(
        PLAIN,
        None,
        OFF,
        Request(route=FORCED_ON, may_be_forced_on=True),
        blocks(),
        id="forced-on-blocks-while-off",
    ),
    pytest.param(
        PLAIN,
        OFF,
        ON,
        Request(route=FORCED_ON, may_be_forced_on=True),
        blocks(),
        id="forced-on-beats-an-off-block",
    ),
    pytest.param(
        BOTH,
        None,
        ON,
        Request(route=FORCED_ON, path="/health", client=ALLOWED, bypass_headers=[VALID]),
        blocks(ON),
        id="forced-on-beats-exempt-paths-tokens-allow-lists-and-the-handler",
    ),
    pytest.param(
        PLAIN,
        None,
        LISTS,
        Request(route=FORCED_ON, path="/health", client=ALLOWED),
        blocks(LISTS),
        id="forced-on-beats-the-stored-allow-lists",
    ),
    pytest.param(
        PLAIN,
        None,
        ON,
        Request(route=FORCED_ON, docs=True),
        blocks(ON),
        id="forced-on-beats-the-docs-paths",
    ),
    pytest.param(
        API_ONLY,
        None,
        ON,
        Request(route=FORCED_ON),
        blocks(ON),
        id="forced-on-beats-paths-outside-the-paths-option",
    ),
    pytest.param(
        PLAIN,
        None,
        READ_ONLY,
        Request(route=FORCED_ON, may_be_forced_on=True),
        blocks(),
        id="forced-on-blocks-reads-of-a-read-only-state",
    ),
    # 3. a route forced off: through
    pytest.param(PLAIN, None, ON, Request(route=FORCED_OFF), passes(ON), id="forced-off-passes"),
    pytest.param(
        BOTH,
        ON,
        OFF,
        Request(route=FORCED_OFF),
        passes(ON),
        id="forced-off-beats-an-override-block",
    ),
    pytest.param(
        PLAIN,
        None,
        READ_ONLY,
        Request(method="DELETE", route=FORCED_OFF),
        passes(READ_ONLY),
        id="forced-off-lets-writes-through-a-read-only-state",
    ),
    # 4. the docs routes: through
    pytest.param(PLAIN, None, ON, Request(docs=True), passes(ON), id="docs-pass"),
    pytest.param(BOTH, ON, OFF, Request(docs=True), passes(ON), id="docs-pass-an-override-block"),
    # 5. maintenance off, or a path outside `paths`: through
    pytest.param(PLAIN, None, OFF, GET, passes(), id="off-passes"),
    pytest.param(
        PLAIN,
        None,
        OFF,
        Request(may_be_forced_on=True),
        passes(),
        id="off-passes-a-route-that-is-not-forced-on",
    ),
    pytest.param(API_ONLY, None, ON, Request(path="/shop"), passes(ON), id="outside-paths-pass"),
    pytest.param(
        API_ONLY, None, ON, Request(path="/api/items"), blocks(ON), id="inside-paths-block"
    ),
    pytest.param(
        Rules(paths=PathPatterns(["/api/*"], "paths"), bypass=_bypass()),  # type: ignore[arg-type]
        None,
        ON,
        Request(path="/apix", bypass_headers=[VALID]),
        passes(ON),
        id="outside-paths-asks-nothing",
    ),
    # 6. the bypass rules, static and stored, then 7. exempt_handler: asked before blocking
    pytest.param(PLAIN, None, ON, GET, blocks(ON), id="on-blocks"),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(path="/health"),
        through(ON, "exempt path %s", "/health"),
        id="an-exempt-path-passes",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(bypass_headers=[VALID]),
        through(ON, "the bypass header", strip=Strip.HEADER),
        id="a-valid-header-token-passes-and-is-stripped",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(bypass_headers=[EXPIRED]),
        blocks(ON, link=LINK),
        id="an-expired-header-token-blocks",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(bypass_headers=[VALID_COOKIE]),
        blocks(ON, link=LINK),
        id="a-cookie-value-is-no-header-token",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(client=ALLOWED),
        through(ON, "allow_ips %s (client %s)", IPv4Network("10.0.0.0/8"), ALLOWED),
        id="an-allowed-client-passes",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(client=STRANGER),
        blocks(ON, link=LINK),
        id="another-client-blocks",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(bypass_cookies=[None, VALID_COOKIE]),
        through(ON, "the bypass cookie", strip=Strip.COOKIE),
        id="a-valid-cookie-passes-and-is-stripped",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(bypass_cookies=[VALID]),
        blocks(ON, link=LINK),
        id="a-header-token-is-no-cookie",
    ),
    pytest.param(
        NO_SECRET,
        None,
        ON,
        Request(bypass_headers=[VALID], bypass_cookies=[VALID_COOKIE]),
        blocks(ON),
        id="without-a-secret-tokens-are-not-read-and-no-link-is-offered",
    ),
    pytest.param(
        PLAIN,
        None,
        LISTS,
        Request(path="/health"),
        through(LISTS, "the stored allow_paths %s", "/health"),
        id="stored-allow-paths-pass-without-static-rules",
    ),
    pytest.param(
        PLAIN,
        None,
        LISTS,
        Request(client=ALLOWED),
        through(LISTS, "the stored allow_ips %s (client %s)", IPv4Network("10.0.0.0/8"), ALLOWED),
        id="stored-allow-ips-pass-without-static-rules",
    ),
    pytest.param(PLAIN, None, LISTS, GET, blocks(LISTS), id="stored-allow-lists-block-the-rest"),
    pytest.param(HANDLER, None, ON, GET, blocks(ON, handler=True), id="exempt-handler-asked"),
    pytest.param(
        BOTH,
        None,
        ON,
        Request(client=ALLOWED),
        through(ON, "allow_ips %s (client %s)", IPv4Network("10.0.0.0/8"), ALLOWED),
        id="bypass-rules-before-the-exempt-handler",
    ),
    pytest.param(
        BOTH,
        None,
        ON,
        GET,
        blocks(ON, handler=True, link=LINK),
        id="the-exempt-handler-after-the-bypass-rules",
    ),
    pytest.param(
        HANDLER,
        None,
        LISTS,
        GET,
        blocks(LISTS, handler=True),
        id="stored-allow-lists-before-the-exempt-handler",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        replace(WEBSOCKET, bypass_headers=[VALID]),
        through(ON, "the bypass header", strip=Strip.HEADER),
        id="websockets-let-through-alike",
    ),
    pytest.param(
        PLAIN,
        ON,
        LISTS,
        Request(client=ALLOWED),
        blocks(ON),
        id="an-on-block-ignores-the-stored-allow-lists",
    ),
    # the bypass link's POST: answered while maintenance is on, before the route is looked up
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(method="POST", link_post=True),
        Decision(Verdict.LINK, ON),
        id="link-answered",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(method="POST", link_post=True, route=NOT_FOUND),
        Decision(Verdict.LINK, ON),
        id="link-answered-on-a-path-without-a-route",
    ),
    pytest.param(
        BYPASS,
        None,
        ON,
        Request(method="POST", link_post=True, route=FORCED_OFF),
        Decision(Verdict.LINK, ON),
        id="link-answered-on-a-route-forced-off",
    ),
    pytest.param(
        Rules(paths=PathPatterns(["/api/*"], "paths"), bypass=_bypass()),  # type: ignore[arg-type]
        None,
        ON,
        Request(method="POST", link_post=True),
        Decision(Verdict.LINK, ON),
        id="link-answered-outside-the-paths-option",
    ),
    pytest.param(
        BYPASS,
        None,
        OFF,
        Request(method="POST", link_post=True),
        passes(),
        id="link-passes-while-off",
    ),
    # 8. which state holds: an open block beats the state served, which is
    # enable_maintenance (a plain on or off state) if given, else the backend's
    pytest.param(PLAIN, ON, OFF, GET, blocks(ON), id="on-block-beats-the-store"),
    pytest.param(PLAIN, OFF, ON, GET, passes(), id="off-block-beats-the-store"),
    pytest.param(
        PLAIN, ON, PINNED_OFF, GET, blocks(ON), id="on-block-beats-enable-maintenance-false"
    ),
    pytest.param(
        PLAIN, OFF, PINNED_ON, GET, passes(), id="off-block-beats-enable-maintenance-true"
    ),
    pytest.param(PLAIN, None, PINNED_ON, GET, blocks(ON), id="enable-maintenance-true-blocks"),
    pytest.param(
        PLAIN,
        None,
        PINNED_ON,
        Request(method="POST", route=FORCED_OFF),
        passes(ON),
        id="enable-maintenance-true-keeps-routes-forced-off-up",
    ),
    pytest.param(PLAIN, None, PINNED_OFF, GET, passes(), id="enable-maintenance-false-passes"),
    pytest.param(
        PLAIN,
        None,
        PINNED_OFF,
        Request(route=FORCED_ON, may_be_forced_on=True),
        blocks(),
        id="enable-maintenance-false-keeps-routes-forced-on-down",
    ),
    pytest.param(
        PLAIN, ON, READ_ONLY, GET, blocks(ON), id="on-block-blocks-reads-of-a-read-only-store"
    ),
    pytest.param(PLAIN, ON, SCHEDULED, GET, blocks(ON), id="on-block-ignores-the-stored-window"),
    # read-only: reads through, writes and WebSockets blocked
    pytest.param(PLAIN, None, READ_ONLY, GET, passes(), id="read-only-passes-get"),
    pytest.param(
        PLAIN, None, READ_ONLY, Request(method="HEAD"), passes(), id="read-only-passes-head"
    ),
    pytest.param(
        PLAIN, None, READ_ONLY, Request(method="OPTIONS"), passes(), id="read-only-passes-options"
    ),
    pytest.param(PLAIN, None, READ_ONLY, POST, blocks(READ_ONLY), id="read-only-blocks-post"),
    pytest.param(
        PLAIN,
        None,
        READ_ONLY,
        Request(method="PATCH"),
        blocks(READ_ONLY),
        id="read-only-blocks-patch",
    ),
    pytest.param(
        PLAIN, None, READ_ONLY, WEBSOCKET, blocks(READ_ONLY), id="read-only-refuses-websockets"
    ),
    pytest.param(
        BYPASS,
        None,
        READ_ONLY,
        replace(POST, bypass_headers=[VALID]),
        through(READ_ONLY, "the bypass header", strip=Strip.HEADER),
        id="read-only-asks-the-bypass-rules-about-writes",
    ),
    # scopes: the requests they select, when the global state does not apply
    pytest.param(PLAIN, None, SCOPED, GET, blocks(SHOP.state), id="a-scope-blocks-what-it-selects"),
    pytest.param(
        PLAIN, None, SCOPED, Request(path="/cart"), passes(), id="a-scope-passes-the-rest"
    ),
    pytest.param(
        PLAIN,
        None,
        SCOPED,
        Request(route=FORCED_OFF),
        passes(SHOP.state),
        id="forced-off-beats-a-scope",
    ),
    pytest.param(
        PLAIN, None, SCOPED, Request(docs=True), passes(SHOP.state), id="docs-pass-a-scope"
    ),
    pytest.param(PLAIN, OFF, SCOPED, GET, passes(), id="an-off-block-beats-scopes"),
    pytest.param(
        PLAIN,
        None,
        replace(SCOPED, on=True),
        GET,
        blocks(replace(SCOPED, on=True)),
        id="the-global-state-in-force-before-a-scope",
    ),
    pytest.param(PLAIN, None, READ_ONLY_SCOPED, GET, passes(), id="a-read-only-scope-passes-reads"),
    pytest.param(
        PLAIN,
        None,
        READ_ONLY_SCOPED,
        POST,
        blocks(READ_ONLY_SCOPE.state),
        id="a-read-only-scope-blocks-writes",
    ),
    pytest.param(
        PLAIN,
        None,
        READ_ONLY_SCOPED,
        Request(method="POST", route=WRITABLE),
        passes(),
        id="a-read-only-scope-passes-writes-allowed-in-read-only",
    ),
    pytest.param(
        PLAIN,
        None,
        READ_ONLY,
        Request(method="POST", route=WRITABLE),
        passes(),
        id="read-only-passes-writes-allowed-in-read-only",
    ),
    pytest.param(
        PLAIN,
        None,
        ON,
        Request(method="POST", route=WRITABLE),
        blocks(ON),
        id="full-maintenance-blocks-writes-allowed-in-read-only",
    ),
    pytest.param(
        PLAIN, None, BILLING_SERVICE, GET, passes(), id="an-app-without-a-service-is-not-selected"
    ),
    pytest.param(
        Rules(service="billing"),
        None,
        BILLING_SERVICE,
        GET,
        blocks(BILLING_SERVICE.scopes[0].state),
        id="an-app-of-the-service-is-selected",
    ),
    # the window, by the clock
    pytest.param(PLAIN, None, SCHEDULED, GET, passes(), id="before-the-window-passes"),
    pytest.param(PLAIN, None, RUNNING, GET, blocks(RUNNING), id="within-the-window-blocks"),
    pytest.param(PLAIN, None, ENDED, GET, passes(), id="after-the-window-passes"),
    pytest.param(
        PLAIN, None, READ_ONLY_LATER, POST, passes(), id="read-only-applies-only-within-its-window"
    ),
    pytest.param(
        ANNOUNCING,
        None,
        SCHEDULED,
        GET,
        passes(announce=SCHEDULED),
        id="a-scheduled-window-is-announced",
    ),
    pytest.param(
        ANNOUNCING, None, SCHEDULED, WEBSOCKET, passes(), id="websockets-get-no-announcement"
    ),
    pytest.param(ANNOUNCING, None, ENDED, GET, passes(), id="an-ended-window-is-not-announced"),
    pytest.param(PLAIN, None, SCHEDULED, GET, passes(), id="announced-only-when-asked"),
    pytest.param(
        ANNOUNCING,
        None,
        SCHEDULED,
        Request(route=FORCED_ON, may_be_forced_on=True),
        Decision(Verdict.BLOCK, announce=SCHEDULED),
        id="a-route-forced-on-blocks-before-the-window-with-the-announcement",
    ),
]


@pytest.mark.parametrize(("rules", "held", "stored", "request_", "expected"), ROWS)
def test_the_rules_in_order(
    rules: Rules,
    held: MaintenanceState | None,
    stored: MaintenanceState,
    request_: Request,
    expected: Decision,
) -> None:
    assert decide(rules, held, stored, request_) == expected


@pytest.mark.parametrize(
    ("blocks_on", "blocks_off", "expected"),
    [
        pytest.param(0, 0, None, id="no-block-the-served-state-decides"),
        pytest.param(1, 0, ON, id="an-on-block-holds-on"),
        pytest.param(0, 1, OFF, id="an-off-block-holds-off"),
        pytest.param(2, 3, ON, id="an-on-block-beats-off-blocks"),
    ],
)
def test_the_state_open_blocks_hold(
    blocks_on: int, blocks_off: int, expected: MaintenanceState | None
) -> None:
    assert held_state(blocks_on, blocks_off) == expected


def test_a_value_sent_again_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[bytes] = []
    verify = Signer.verify

    def counting(self: Signer, value: bytes, *args: object) -> int | str:
        checked.append(value)
        return verify(self, value, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Signer, "verify", counting)
    decide(BYPASS, None, ON, Request(bypass_cookies=[b"1.forged"] * 16))
    assert checked == [b"1.forged"]


class Failing:
    """Facts of a request whose client address cannot be read."""

    def __getattr__(self, name: str) -> object:
        if name == "client":
            raise RuntimeError("a header no parser expected")
        return getattr(GET, name)


def test_a_failing_bypass_rule_blocks_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rules = Rules(bypass=_bypass())  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, "fastapi_maintenance"):
        first = decide(rules, None, ON, Failing())  # type: ignore[arg-type]
        second = decide(rules, None, ON, Failing())  # type: ignore[arg-type]
    assert first == second == blocks(ON, link=LINK)
    failures = [r for r in caplog.records if "bypass rules failed" in r.getMessage()]
    assert len(failures) == 1
    assert "RuntimeError" in failures[0].getMessage()
    assert "a header no parser expected" not in caplog.text


class Watched:
    """Facts that note which of them the rules read."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self.read: list[str] = []

    def __getattr__(self, name: str) -> object:
        self.read.append(name)
        return getattr(self._request, name)


def test_while_off_only_whether_a_route_may_be_forced_on_is_read() -> None:
    facts = Watched(GET)
    assert decide(PLAIN, None, OFF, facts) == passes()  # type: ignore[arg-type]
    assert facts.read == ["may_be_forced_on"]


def test_a_request_without_a_route_is_not_asked_about_its_path() -> None:
    facts = Watched(Request(route=NOT_FOUND))
    decide(BOTH, None, ON, facts)  # type: ignore[arg-type]
    assert facts.read == ["link_post", "route"]


def test_the_bypass_rules_read_the_client_only_after_the_cheaper_rules() -> None:
    facts = Watched(Request(bypass_headers=[VALID]))
    decide(BYPASS, None, ON, facts)  # type: ignore[arg-type]
    assert "client" not in facts.read and "bypass_cookies" not in facts.read


def test_a_state_without_a_window_reads_no_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def clock() -> float:
        raise AssertionError("the clock was read")

    monkeypatch.setattr("fastapi_maintenance._support.clock.now", clock)
    assert decide(PLAIN, None, ON, GET) == blocks(ON)
