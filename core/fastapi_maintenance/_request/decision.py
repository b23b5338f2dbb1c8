"""What happens to a request now: the rules of ``docs/precedence.md``, in order, in one place.

``decide`` is a plain function of the state that holds and of the request's
``Facts``; it reads no scope and sends nothing, so it is tested without ASGI. The
middleware is its adapter: it reads the state, hands over facts computed only when a rule asks
for them, and carries the ``Decision`` out.

Three steps are delegated to the adapter, because they act on the request rather than judge
it: the bypass rules (``Ask.BYPASS``: exempt paths, the stored ``allow_paths``, the token
header, the client ranges and the cookie, asked in ``bypass``, which strips a token that
let a request through), ``exempt_handler`` (``Ask.EXEMPT_HANDLER``, which may read the
body) and the answer to the bypass link's ``POST`` (``Verdict.LINK``, in ``bypass``,
which reads its body). The decision says whether and in which order they are asked.

Where to add a rule: a new step in ``decide`` at its place in the order, reading what it
needs from ``Facts`` (a new fact is a new property there and in ``facts.ScopeFacts``,
computed on first use) and from ``Rules`` (the middleware's options, fixed when it is
built).
"""

from __future__ import annotations

import enum
from typing import NamedTuple, Protocol

from .._model.model import OFF, ON, MaintenanceState
from .._model.paths import PathPatterns
from .._support import clock as _clock
from .routes import Outcome, Resolution

__all__ = [
    "READ_METHODS",
    "Ask",
    "Decision",
    "Facts",
    "Rules",
    "Verdict",
    "decide",
    "held_state",
]

#: The methods a read-only state lets through.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Verdict(enum.Enum):
    """What the adapter does with the request."""

    PASS = "pass"  #: on to the app
    BLOCK = "block"  #: the maintenance response (a WebSocket is refused), unless an ask admits it
    LINK = "link"  #: the bypass link's POST: 204 with the cookie for a valid token, else blocked


class Ask(enum.Enum):
    """A rule the adapter asks about a request that would be blocked, in the order given."""

    BYPASS = "bypass"  #: the bypass rules, static and stored (``_bypass.admit``)
    EXEMPT_HANDLER = "exempt_handler"  #: the ``exempt_handler`` option


class Decision(NamedTuple):
    """The answer for one request."""

    verdict: Verdict
    #: The state in force for this request (put in the scope for the response), ``None``
    #: when maintenance does not apply to it (a route forced on still blocks then).
    state: MaintenanceState | None = None
    #: For ``Verdict.BLOCK``: the rules to ask first; the first to admit lets it through.
    asks: tuple[Ask, ...] = ()
    #: A state scheduled for later, for ``X-Maintenance-Scheduled`` on the response.
    announce: MaintenanceState | None = None
    #: For ``Ask.BYPASS``: the state whose stored allow-lists are asked, if it has any.
    allow_lists: MaintenanceState | None = None


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


class Rules:
    """The middleware's options the rules read, fixed when it is built."""

    __slots__ = (
        "_last_blocked",
        "_last_passed",
        "announce_schedule",
        "asks",
        "asks_with_lists",
        "paths",
    )

    def __init__(
        self,
        *,
        paths: PathPatterns | None = None,
        bypass: bool = False,
        exempt_handler: bool = False,
        announce_schedule: bool = False,
    ) -> None:
        #: ``paths``: maintenance covers only these; ``None``: every path.
        self.paths = paths
        #: ``announce_schedule``: normal responses announce a scheduled window.
        self.announce_schedule = announce_schedule
        handler = (Ask.EXEMPT_HANDLER,) if exempt_handler else ()
        #: What a blocked request is asked: the bypass rules if any are configured (``bypass``),
        #: then ``exempt_handler``; the bypass rules always when the state stores allow-lists.
        self.asks: tuple[Ask, ...] = ((Ask.BYPASS,) if bypass else ()) + handler
        self.asks_with_lists: tuple[Ask, ...] = (Ask.BYPASS, *handler)
        # The last decisions made under a state in force, kept whole (state, decision) so a
        # request on another thread never pairs one state with another's decision: a state
        # is the same object from request to request until it changes.
        self._last_blocked: tuple[MaintenanceState | None, Decision] = (None, FORCED)
        self._last_passed: tuple[MaintenanceState | None, Decision] = (None, PASS)

    def blocked(self, current: MaintenanceState) -> Decision:
        """Blocked under ``current``, asking first what the options and the state call for."""
        last = self._last_blocked
        if last[0] is current:
            return last[1]
        if current.allows:
            decision = Decision(Verdict.BLOCK, current, self.asks_with_lists, None, current)
        else:
            decision = Decision(Verdict.BLOCK, current, self.asks)
        self._last_blocked = (current, decision)
        return decision

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
        if applies and stored.read_only and facts.method in READ_METHODS:
            applies = False  # a WebSocket has no method: refused
    if not applies:
        # Only a route forced on can block now.
        if not facts.may_be_forced_on:
            return PASS if announce is None else Decision(_PASS, announce=announce)
        in_force = None
    else:
        in_force = current
        # The bypass link's POST is answered on any path, before the route is looked up.
        if facts.link_post:
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
    return rules.blocked(in_force)


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
