"""What happens to a request now: the rules of ``docs/precedence.md``, in order, in one place.

``decide`` is a plain function of the state that holds and of the request's
``Facts``; it reads no scope and sends nothing, so it is tested without ASGI. The
middleware is its adapter: it reads the state, hands over facts computed only when a rule asks
for them, and carries the ``Decision`` out: the app, the maintenance response, a bypass
token removed from a request it let through.

Two steps are left to the adapter, because they act on the request rather than judge it:
``exempt_handler`` (application code, which may read the body; the decision says whether to
ask it) and the answer to the bypass link's ``POST`` (``Verdict.LINK``, which reads its body).

Where to add a rule: a new step in ``decide`` at its place in the order, reading what it
needs from ``Facts`` (a new fact is a new property there and in ``facts.ScopeFacts``,
computed on first use) and from ``Rules`` (the middleware's options, fixed when it is
built).
"""

from __future__ import annotations

import enum
import logging
import math
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from .._model.clients import Address
from .._model.model import OFF, ON, MaintenanceScope, MaintenanceState
from .._model.paths import PathPatterns
from .._support import clock as _clock
from .._support.logonce import Problems, where_raised
from .bypass import STORED_ONLY, Bypass, valid
from .routes import Outcome, Resolution
from .scoping import ScopeSet, scope_set_of
from .tokens import COOKIE, TOKEN

__all__ = [
    "READ_METHODS",
    "Decision",
    "Facts",
    "Rules",
    "Strip",
    "Through",
    "Verdict",
    "decide",
    "held_state",
]

logger = logging.getLogger("fastapi_maintenance")

#: The methods a read-only state lets through.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Verdict(enum.Enum):
    """What the adapter does with the request."""

    PASS = "pass"  #: on to the app
    BLOCK = "block"  #: the maintenance response (a WebSocket refused), unless the handler admits
    LINK = "link"  #: the bypass link's POST: 204 with the cookie for a valid token, else blocked


class Strip(enum.Enum):
    """The bypass token the adapter removes from a request it lets through: the app never
    sees it."""

    HEADER = "header"
    COOKIE = "cookie"


class Through(NamedTuple):
    """The bypass rule that let a request through, for the debug log."""

    rule: str  #: a ``%``-format describing the rule, filled with ``args``
    args: tuple[object, ...] = ()
    strip: Strip | None = None


class Decision(NamedTuple):
    """The answer for one request."""

    verdict: Verdict
    #: The state in force for this request (put in the scope for the response), ``None``
    #: when maintenance does not apply to it (a route forced on still blocks then).
    state: MaintenanceState | None = None
    #: For ``Verdict.BLOCK``: ask ``exempt_handler`` first; if it admits, let it through.
    ask_handler: bool = False
    #: A state scheduled for later, for ``X-Maintenance-Scheduled`` on the response.
    announce: MaintenanceState | None = None
    #: For ``Verdict.PASS``: the bypass rule that let the request through.
    through: Through | None = None
    #: For ``Verdict.BLOCK`` after the bypass rules with a secret: the query parameter the
    #: maintenance page's script posts a link's token to.
    link: str | None = None


#: The rules a token lets a request through by: the same objects every time.
BY_HEADER = Through("the bypass header", (), Strip.HEADER)
BY_COOKIE = Through("the bypass cookie", (), Strip.COOKIE)
#: Passes by a path rule kept at most (each rule's patterns are few; states change rarely).
_THROUGHS_KEPT = 256

PASS = Decision(Verdict.PASS)
#: A route forced on while maintenance does not apply: blocked, nothing asked.
FORCED = Decision(Verdict.BLOCK)
# Enum members read through module globals: on Python 3.11 a class attribute costs 4 times more.
_PASS, _BLOCK, _LINK = Verdict.PASS, Verdict.BLOCK, Verdict.LINK
_FOUND = Outcome.FOUND


class Facts(Protocol):
    """What the rules may ask about a request; each is read only if a rule needs it."""

    @property
    def websocket(self) -> bool:
        """A WebSocket handshake rather than an HTTP request."""

    @property
    def method(self) -> str | None:
        """The HTTP method, ``None`` for a WebSocket."""

    @property
    def path(self) -> str:
        """The path the router matches on (proxy and app ``root_path`` removed)."""

    @property
    def route(self) -> Resolution:
        """Whether the path and method hit a route, and whether it is forced on or off."""

    @property
    def may_be_forced_on(self) -> bool:
        """Whether the request can hit a route forced on (cheap; no lookup)."""

    @property
    def docs(self) -> bool:
        """Whether the path is one of the documentation routes or their files."""

    @property
    def link_post(self) -> bool:
        """Whether the request is the ``POST`` a bypass link's script makes."""

    @property
    def host(self) -> bytes:
        """The request's ``Host`` header, as sent."""

    @property
    def selected(self) -> tuple[MaintenanceScope, ...] | None:
        """The scopes selecting the request, if the adapter looked them up already."""

    @property
    def client(self) -> Address | None:
        """The client's address, through the trusted proxies; ``None`` if unknown."""

    @property
    def bypass_headers(self) -> Iterable[bytes]:
        """The values of the bypass header."""

    @property
    def bypass_cookies(self) -> Iterable[bytes | None]:
        """The first values of the bypass cookie (``None`` where its name is not a cookie's)."""


class Rules:
    """The middleware's options the rules read, fixed when it is built."""

    __slots__ = (
        "_last_blocked",
        "_last_passed",
        "_last_scopes",
        "_last_through",
        "_throughs",
        "announce_schedule",
        "bypass",
        "exempt_handler",
        "link",
        "paths",
        "problems",
        "service",
    )

    def __init__(
        self,
        *,
        paths: PathPatterns | None = None,
        bypass: Bypass | None = None,
        exempt_handler: bool = False,
        announce_schedule: bool = False,
        problems: Problems | None = None,
        service: str | None = None,
    ) -> None:
        #: ``paths``: maintenance covers only these; ``None``: every path.
        self.paths = paths
        #: The bypass rules configured (``exempt_paths``, ``allow_ips``, a secret).
        self.bypass = bypass
        #: Whether an ``exempt_handler`` is asked about requests the other rules block.
        self.exempt_handler = exempt_handler
        #: ``announce_schedule``: normal responses announce a scheduled window.
        self.announce_schedule = announce_schedule
        self.problems = problems or Problems()
        #: ``service``: the scopes selecting by service select this app if they name it.
        self.service = service
        self._last_scopes: tuple[MaintenanceState | None, ScopeSet | None] = (None, None)
        has_secret = bypass is not None and bypass.signer is not None
        self.link = bypass.query_param_name if bypass is not None and has_secret else None
        # The last decisions made under a state in force, kept whole (state, decision) so a
        # request on another thread never pairs one state with another's decision: a state
        # is the same object from request to request until it changes.
        self._last_blocked: tuple[MaintenanceState | None, Decision] = (None, FORCED)
        self._last_passed: tuple[MaintenanceState | None, Decision] = (None, PASS)
        self._last_through: tuple[object, object, Decision] = (None, None, PASS)
        #: (rule, pattern) -> the ``Through`` of a path rule, built once.
        self._throughs: dict[tuple[str, str], Through] = {}

    def scope_set(self, stored: MaintenanceState) -> ScopeSet | None:
        """The scopes of ``stored`` that can select this app's requests, compiled once per
        state; ``None`` if there are none."""
        last = self._last_scopes
        if last[0] is stored:
            return last[1]
        scopes = scope_set_of(stored, self.service)
        self._last_scopes = (stored, scopes)
        return scopes

    def blocked(self, current: MaintenanceState) -> Decision:
        """Blocked under ``current``, once the bypass rules let it not through."""
        last = self._last_blocked
        if last[0] is current:
            return last[1]
        asked = self.bypass is not None or current.allows
        decision = Decision(
            Verdict.BLOCK, current, self.exempt_handler, link=self.link if asked else None
        )
        self._last_blocked = (current, decision)
        return decision

    def let_through(self, current: MaintenanceState, through: Through) -> Decision:
        """Let through under ``current`` by a bypass rule."""
        last = self._last_through
        if last[0] is current and last[1] is through:
            return last[2]
        decision = Decision(Verdict.PASS, current, through=through)
        self._last_through = (current, through, decision)
        return decision

    def by_path(self, rule: str, pattern: str) -> Through:
        """The ``Through`` of a path rule's ``pattern``, the same object every time."""
        key = (rule, pattern)
        through = self._throughs.get(key)
        if through is None:
            if len(self._throughs) >= _THROUGHS_KEPT:
                self._throughs.clear()
            through = self._throughs[key] = Through(rule, (pattern,))
        return through

    def passed(self, current: MaintenanceState) -> Decision:
        """Let through though ``current`` is in force (its state still goes into the scope)."""
        last = self._last_passed
        if last[0] is current:
            return last[1]
        decision = Decision(Verdict.PASS, current)
        self._last_passed = (current, decision)
        return decision


def held_state(blocks_on: int, blocks_off: int) -> MaintenanceState | None:
    """The state open ``maintenance_mode_on`` / override blocks hold (a block holding it on
    beats one holding it off); ``None`` when no block is open."""
    if blocks_on:
        return ON
    if blocks_off:
        return OFF
    return None


def decide(
    rules: Rules, held: MaintenanceState | None, stored: MaintenanceState, facts: Facts
) -> Decision:
    """What happens to the request, by the rules in order (``docs/precedence.md``).

    ``held`` is ``held_state``, which beats ``stored``: the state the middleware serves,
    ``enable_maintenance`` as a plain on or off state if given, else the backend's state
    (when something is held, the adapter need not read it: it is not looked at).
    """
    # Whether maintenance applies to this request: a held state as it is; the backend's by
    # its window (by this process's clock) and, read-only, to writes only.
    announce = None
    if held is not None:
        current = held
        applies = held.on
    else:
        current = stored
        applies = stored.on
        if applies and stored.timed:
            now = _clock.now()
            if not stored.active_at(now):
                applies = False
                if rules.announce_schedule and not facts.websocket and stored.scheduled_at(now):
                    announce = stored
        if applies and stored.read_only and _passes_read_only(facts):
            applies = False
        if not applies and stored.scopes:
            scoped = _scoped(rules, stored, facts)
            if scoped is not None:
                current = scoped
                applies = True
    if not applies:
        # Only a route forced on can block now.
        if not facts.may_be_forced_on:
            return PASS if announce is None else Decision(_PASS, announce=announce)
        in_force = None
    else:
        in_force = current
        # The bypass link's POST is answered on any path, before the route is looked up.
        if rules.bypass is not None and facts.link_post:
            return Decision(_LINK, current)
    route = facts.route
    if route.outcome is not _FOUND:  # 404 and 405: the app answers as usual
        return _decision(rules, _PASS, in_force, announce)
    if route.forced is True:
        return _decision(rules, _BLOCK, in_force, announce)
    if route.forced is False or in_force is None or facts.docs:
        return _decision(rules, _PASS, in_force, announce)
    if rules.paths is not None and rules.paths.match(facts.path) is None:
        return rules.passed(in_force)  # outside the paths maintenance covers
    bypass = rules.bypass
    if bypass is None and not in_force.allows:
        return rules.blocked(in_force)
    try:
        through = _bypassed(rules, bypass or STORED_ONLY, in_force, facts)
    except Exception as exc:
        # Neither the message nor the traceback: they could quote a token.
        rules.problems.report(
            f"bypass:{type(exc).__name__}",
            "the bypass rules failed on a request (%s at %s); it is treated as not let through",
            type(exc).__name__,
            where_raised(exc),
        )
        through = None
    if through is None:
        return rules.blocked(in_force)
    return rules.let_through(in_force, through)


def _passes_read_only(facts: Facts) -> bool:
    """Whether read-only maintenance lets the request through: a read, or a write to a route
    marked ``allow_in_read_only`` (a WebSocket has no method: refused)."""
    return facts.method in READ_METHODS or (facts.method is not None and facts.route.writable)


def _scoped(rules: Rules, stored: MaintenanceState, facts: Facts) -> MaintenanceState | None:
    """The details of the scope in force for the request, if one is: of the scopes selecting
    it and active now (a read-only one for writes only), the one that ends last (one
    without an end counts as last; between equal ends, the first by name)."""
    selected = facts.selected
    if selected is None:
        scopes = rules.scope_set(stored)
        if scopes is None:
            return None
        selected = scopes.selecting(facts)
    if not selected:
        return None
    if len(selected) == 1:  # the common case, without comparing ends
        state = selected[0].state
        if state.timed and not state.active_at(_clock.now()):
            return None
        if state.read_only and _passes_read_only(facts):
            return None
        return state
    now: float | None = None
    winner: MaintenanceState | None = None
    winner_end = 0.0
    for scope in selected:
        state = scope.state
        if state.timed:
            if now is None:
                now = _clock.now()
            if not state.active_at(now):
                continue
        if state.read_only and _passes_read_only(facts):
            continue
        end = state.ends_at.timestamp() if state.ends_at is not None else math.inf
        if winner is None or end > winner_end:
            winner, winner_end = state, end
    return winner


def _bypassed(
    rules: Rules, bypass: Bypass, current: MaintenanceState, facts: Facts
) -> Through | None:
    """The bypass rule that lets the request through, if one does: the static rules and the
    allow-lists ``current`` stores, cheapest first (the order changes nothing of what
    passes)."""
    if bypass.paths:
        pattern = bypass.paths.match(facts.path)
        if pattern is not None:
            return rules.by_path("exempt path %s", pattern)
    stored_paths = current.allowed_paths
    if stored_paths is not None:
        pattern = stored_paths.match(facts.path)
        if pattern is not None:
            return rules.by_path("the stored allow_paths %s", pattern)
    signer = bypass.signer
    if signer is not None:
        for value in facts.bypass_headers:
            if valid(signer, value, TOKEN, "bypass header"):
                return BY_HEADER
    stored_ips = current.allowed_networks
    if bypass.allow or stored_ips is not None:
        client = facts.client
        if client is not None:
            network = bypass.allow.match(client) if bypass.allow else None
            if network is not None:
                return Through("allow_ips %s (client %s)", (network, client))
            network = stored_ips.match(client) if stored_ips is not None else None
            if network is not None:
                return Through("the stored allow_ips %s (client %s)", (network, client))
    if signer is not None:
        checked: set[bytes] = set()  # a value sent again is not checked again
        for cookie in facts.bypass_cookies:
            if cookie is not None and cookie not in checked:
                checked.add(cookie)
                if valid(signer, cookie, COOKIE, "bypass cookie"):
                    return BY_COOKIE
    return None


def _decision(
    rules: Rules,
    verdict: Verdict,
    state: MaintenanceState | None,
    announce: MaintenanceState | None,
) -> Decision:
    if announce is not None:
        return Decision(verdict, state, announce=announce)
    if verdict is _PASS:
        return PASS if state is None else rules.passed(state)
    return FORCED if state is None else Decision(verdict, state)
