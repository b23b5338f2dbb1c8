"""``MaintenanceState``: the whole maintenance state, and the text form stores keep it in.

A state is more than on and off: a message for users, a window that starts and ends by
itself, a read-only mode, who switched it when, and named scopes that put only part of the
requests in maintenance (``MaintenanceScope``). Stores that keep text (a file, a Redis
key, a database column) keep ``MaintenanceState.to_text``: the plain ``1``/``0`` of
fastapi-maintenance 0.0.5 when the state is only on or off, else a small JSON document.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from . import selectors as _selectors
from .clients import Networks
from .paths import PathPatterns
from .values import FALSY, TRUTHY, format_bool, parse_bool

#: The longest message a state carries, in characters.
MAX_MESSAGE_LENGTH = 500
#: The longest ``updated_by``, in characters.
MAX_NAME_LENGTH = 200
#: The most a state's own fields, or one scope, take in the text form, in UTF-8 bytes (the
#: longest message and name, all escaped, fit; the allow-lists and selectors share the rest).
MAX_DETAILS_BYTES = 8192
#: The largest text form a store holds, in UTF-8 bytes: room for the state's own fields and
#: ``_selectors.MAX_SCOPES`` scopes of ``MAX_DETAILS_BYTES`` each; anything longer is garbage.
MAX_TEXT_BYTES = 1024 * 1024
#: The key that marks a JSON document as a state, with the version of its format.
FORMAT_KEY = "fastapi_maintenance"
FORMAT_VERSION = 1

_TIME_FIELDS = ("starts_at", "ends_at", "updated_at")
_LIST_FIELDS = ("allow_ips", "allow_paths")
#: The fields a scope carries as a state does: its details.
_DETAILS = ("read_only", "message", "starts_at", "ends_at", "updated_by", "updated_at")
_DETAIL_LISTS = _LIST_FIELDS
#: The fields whose errors quote an entry, which a store's errors never show.
_QUOTING_FIELDS = frozenset(
    {"allow_ips", "allow_paths", "name", "paths", "methods", "tags", "hosts", "services"}
)
#: What a store may hold, for messages refusing anything else.
ACCEPTED_TEXT = (
    f"{', '.join(sorted(TRUTHY))} (on), {', '.join(sorted(FALSY))} or nothing (off), "
    f'or a JSON document {{"{FORMAT_KEY}": {FORMAT_VERSION}, "on": ...}}'
)


def _utc(name: str, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime or None, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc)); got naive {value}"
        )
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:  # 9999-12-31T23:59-01:00 is after the last datetime in UTC
        raise ValueError(
            f"{name} is out of range: in UTC it falls outside the years 1 to 9999"
        ) from None


def _text(name: str, value: object, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
    if len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters long; at most {limit} are accepted")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # No store could keep it: a lone surrogate, as broken decoding leaves behind.
        raise ValueError(f"{name} is not valid Unicode text (it holds a lone surrogate)") from None
    return value


def _entries(name: str, value: object) -> tuple[str, ...]:
    """A list field as a tuple of strings, each stripped of surrounding whitespace."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of strings, got {type(value).__name__}")
    entries = []
    for entry in value:
        if not isinstance(entry, str):
            raise TypeError(f"{name} must be a list of strings, got a {type(entry).__name__}")
        _text(name, entry, MAX_DETAILS_BYTES)  # no lone surrogate: no store could keep it
        entries.append(entry.strip())
    return tuple(entries)


@dataclass(frozen=True)
class MaintenanceState:
    """What a backend stores: on or off, and the details that come with it.

    ``starts_at`` and ``ends_at`` bound a window: the state is *active* while ``on`` and
    ``starts_at <= now < ends_at`` (for whichever bounds are set). Before ``starts_at`` it is
    *scheduled*; from ``ends_at`` on it is *expired* and counts as off. Datetimes are
    timezone-aware and kept in UTC. ``read_only`` lets reads (``GET``, ``HEAD``,
    ``OPTIONS``) through and blocks the rest. ``allow_ips`` (CIDR ranges) and ``allow_paths``
    (``/health``, ``/internal/*``) let requests through as the middleware's ``allow_ips`` and
    ``exempt_paths`` do, in every process that reads the state. ``scopes`` put only the
    requests they select in maintenance, each with its own details; kept sorted by name.
    """

    on: bool = False
    read_only: bool = False
    message: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    allow_ips: tuple[str, ...] = ()
    allow_paths: tuple[str, ...] = ()
    scopes: tuple[MaintenanceScope, ...] = ()
    #: The window's bounds as POSIX timestamps, for a per-request check without datetimes.
    _starts: float | None = field(default=None, init=False, repr=False, compare=False)
    _ends: float | None = field(default=None, init=False, repr=False, compare=False)
    #: The allow-lists parsed once per state, for the per-request check; ``None`` if empty.
    _networks: Networks | None = field(default=None, init=False, repr=False, compare=False)
    _paths: PathPatterns | None = field(default=None, init=False, repr=False, compare=False)
    #: Whether a window bounds the state, so whether it is active depends on the time.
    #: (Attributes, not properties: the decision reads them on every blocked request.)
    timed: bool = field(default=False, init=False, repr=False, compare=False)
    #: Whether the state carries allow-list entries.
    allows: bool = field(default=False, init=False, repr=False, compare=False)
    #: The name of the scope whose details the state is (``MaintenanceScope.state``);
    #: ``None`` for a state of its own.
    scope_name: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.on, bool) or not isinstance(self.read_only, bool):
            raise TypeError("on and read_only must be booleans")
        _text("message", self.message, MAX_MESSAGE_LENGTH)
        _text("updated_by", self.updated_by, MAX_NAME_LENGTH)
        for name in _TIME_FIELDS:
            object.__setattr__(self, name, _utc(name, getattr(self, name)))
        starts, ends = self.starts_at, self.ends_at
        if starts is not None and ends is not None and ends <= starts:
            raise ValueError(f"ends_at ({ends.isoformat()}) must be after starts_at ({starts})")
        object.__setattr__(self, "_starts", starts.timestamp() if starts else None)
        object.__setattr__(self, "_ends", ends.timestamp() if ends else None)
        object.__setattr__(self, "timed", starts is not None or ends is not None)
        ips = _entries("allow_ips", self.allow_ips)
        paths = _entries("allow_paths", self.allow_paths)
        object.__setattr__(self, "allow_ips", ips)
        object.__setattr__(self, "allow_paths", paths)
        if ips or paths:
            # The same parsers, and so the same messages, as the middleware's options.
            networks = Networks(ips, "allow_ips")
            exempt = PathPatterns(paths, "allow_paths")
            object.__setattr__(self, "_networks", networks or None)
            object.__setattr__(self, "_paths", exempt or None)
            object.__setattr__(self, "allows", bool(networks or exempt))
            size = len(self._text(with_scopes=False).encode("utf-8"))
            if size > MAX_DETAILS_BYTES:
                raise ValueError(
                    f"the state would take {size} bytes in a store; at most "
                    f"{MAX_DETAILS_BYTES} are accepted (give fewer or shorter allow_ips and "
                    "allow_paths)"
                )
        if self.scopes != ():
            object.__setattr__(self, "scopes", _scopes(self.scopes))

    # when it applies -----------------------------------------------------------------

    def active_at(self, timestamp: float) -> bool:
        """Whether the state blocks requests at a POSIX ``timestamp`` (the per-request check)."""
        if not self.on:
            return False
        starts, ends = self._starts, self._ends
        return (starts is None or starts <= timestamp) and (ends is None or timestamp < ends)

    def is_active(self, now: datetime | None = None) -> bool:
        """Whether the state blocks requests at ``now`` (default: the current time)."""
        return self.active_at(_timestamp(now))

    def is_scheduled(self, now: datetime | None = None) -> bool:
        """On, with a window that has not started yet."""
        return self.scheduled_at(_timestamp(now))

    def is_expired(self, now: datetime | None = None) -> bool:
        """On, with a window that has ended: it counts as off."""
        return self.on and self._ends is not None and _timestamp(now) >= self._ends

    def seconds_left(self, now: datetime | None = None) -> float | None:
        """Seconds until ``ends_at``, ``None`` without an end."""
        return self.seconds_left_at(_timestamp(now))

    def seconds_left_at(self, timestamp: float) -> float | None:
        """Seconds from a POSIX ``timestamp`` until ``ends_at``, ``None`` without an end."""
        return None if self._ends is None else self._ends - timestamp

    def scheduled_at(self, timestamp: float) -> bool:
        """On, with a window that has not started at a POSIX ``timestamp``."""
        return self.on and self._starts is not None and timestamp < self._starts

    def active_anywhere_at(self, timestamp: float) -> bool:
        """Whether the global state or any scope is active at a POSIX ``timestamp``."""
        return self.active_at(timestamp) or any(
            scope.state.active_at(timestamp) for scope in self.scopes
        )

    # who it lets through ------------------------------------------------------------

    @property
    def allowed_networks(self) -> Networks | None:
        """``allow_ips`` parsed (once per state), or ``None`` when empty."""
        return self._networks

    @property
    def allowed_paths(self) -> PathPatterns | None:
        """``allow_paths`` compiled (once per state), or ``None`` when empty."""
        return self._paths

    # scopes ---------------------------------------------------------------------------

    def scope_named(self, name: str) -> MaintenanceScope | None:
        """The scope called ``name``, or ``None``."""
        return next((scope for scope in self.scopes if scope.name == name), None)

    def with_scope(self, scope: MaintenanceScope) -> MaintenanceState:
        """The same state with ``scope`` added, replacing the scope of the same name."""
        kept = tuple(s for s in self.scopes if s.name != scope.name)
        return replace(self, scopes=(*kept, scope))

    def without_scope(self, name: str) -> MaintenanceState:
        """The same state without the scope called ``name`` (unchanged if there is none)."""
        return replace(self, scopes=tuple(s for s in self.scopes if s.name != name))

    # what a store needs to keep ------------------------------------------------------

    @property
    def has_details(self) -> bool:
        """Whether the state says more than on or off: a message, a window, read-only,
        allow-lists or scopes.

        A driver that stores only on and off (``stores_details`` false) cannot keep it.
        """
        return (
            self.read_only
            or self.message is not None
            or self.starts_at is not None
            or self.ends_at is not None
            or bool(self.allow_ips)
            or bool(self.allow_paths)
            or bool(self.scopes)
        )

    @property
    def plain(self) -> bool:
        """Only on or off, all fastapi-maintenance 0.0.5 could say: no details and no
        ``updated_by``.

        Writes through the package store a plain state unstamped, as 0.0.5's ``1``/``0``
        (``to_text``), so shell checks and processes still on 0.0.5 keep reading it.
        """
        return not self.has_details and self.updated_by is None

    def stamped(self, by: str | None = None, at: datetime | None = None) -> MaintenanceState:
        """The same state with ``updated_at`` (default: now) and, if given, ``updated_by``."""
        return replace(
            self,
            updated_at=at or datetime.now(timezone.utc),
            updated_by=by if by is not None else self.updated_by,
        )

    # text form -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready values, datetimes in ISO 8601 with their UTC offset.

        ``scopes`` is left out when there are none, so a state without scopes gives what it
        gave before scopes existed.
        """
        data: dict[str, Any] = {}
        for f in fields(self):
            if not f.init:
                continue
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif f.name == "scopes":
                if not value:
                    continue
                value = [scope.to_dict() for scope in value]
            elif isinstance(value, tuple):
                value = list(value)
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaintenanceState:
        """Read ``to_dict``'s output; unknown keys are ignored (newer writers may add some).

        Raises ``ValueError`` or ``TypeError`` naming what is wrong.
        """
        known = {f.name for f in fields(cls) if f.init}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        for name in _TIME_FIELDS:
            raw = values.get(name)
            if raw is not None:
                if not isinstance(raw, str):
                    raise TypeError(f"{name} must be an ISO 8601 string, got {type(raw).__name__}")
                try:
                    values[name] = datetime.fromisoformat(raw.replace("Z", "+00:00"))
                except ValueError:
                    # Never the text itself: it comes from a store.
                    raise ValueError(f"{name} is not an ISO 8601 datetime") from None
        for name in _LIST_FIELDS:
            raw = values.get(name)
            if raw is not None and not isinstance(raw, list):
                raise TypeError(f"{name} must be a list of strings, got {type(raw).__name__}")
            values[name] = tuple(raw or ())
        raw = values.get("scopes")
        if raw is not None:
            values["scopes"] = _scopes_from(raw)
        return cls(**values)

    def to_text(self) -> str:
        """``1`` or ``0`` for a ``plain`` state without ``updated_at``, else a JSON
        document (which keeps every field, so a state reads back as it was written)."""
        return self._text(with_scopes=True)

    def _text(self, *, with_scopes: bool) -> str:
        if self.updated_at is None and self.plain:
            return format_bool(self.on)
        data = self.to_dict()
        for name in _LIST_FIELDS:
            if not data[name]:
                del data[name]  # the text of a state without lists stays as it was
        if not with_scopes:
            data.pop("scopes", None)
        document = {FORMAT_KEY: FORMAT_VERSION, **data}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_text(cls, text: str) -> MaintenanceState:
        """Read what a store holds: a plain on/off word or ``to_text``'s JSON document.

        Raises ``ValueError`` saying what is accepted, never quoting the text itself (a
        store may point at a file that was never meant to be shown).
        """
        if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
            raise ValueError(f"more than {MAX_TEXT_BYTES} bytes; expected {ACCEPTED_TEXT}")
        stripped = text.strip()
        if not stripped.startswith("{"):
            try:
                return ON if parse_bool(stripped) else OFF
            except ValueError:
                raise ValueError(f"not a maintenance state; expected {ACCEPTED_TEXT}") from None
        try:
            document = json.loads(stripped)
        except (ValueError, RecursionError):  # deep nesting exhausts the parser's stack
            raise ValueError(f"not valid JSON; expected {ACCEPTED_TEXT}") from None
        if not isinstance(document, dict) or document.get(FORMAT_KEY) != FORMAT_VERSION:
            raise ValueError(
                f"a JSON document without {FORMAT_KEY!r}: {FORMAT_VERSION}; "
                f"expected {ACCEPTED_TEXT}"
            )
        try:
            return cls.from_dict(document)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"not a valid maintenance state document: {_unquoted(str(exc))}"
            ) from None


@dataclass(frozen=True)
class MaintenanceScope:
    """Maintenance for the requests its selectors pick, with its own details.

    Selectors combine with AND between kinds and OR within one: ``paths=("/billing/*",),
    methods=("POST",)`` picks every ``POST`` below ``/billing/``. ``paths`` use the language
    of ``exempt_paths``; ``methods``, ``tags`` (FastAPI route tags), ``hosts`` (the request's
    host name, without port) and ``services`` (the middleware's ``service``) match exactly.
    The details mean what they mean on ``MaintenanceState``; ``state`` holds them.
    """

    name: str
    paths: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    read_only: bool = False
    message: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None
    allow_ips: tuple[str, ...] = ()
    allow_paths: tuple[str, ...] = ()
    # Attributes, not properties, built once per scope: requests read them.
    #: The scope's details as a state that is on: its window, message, read-only and
    #: allow-lists, read as a global state's are (its ``scope_name`` is the scope's name).
    state: MaintenanceState = field(
        default=MaintenanceState(), init=False, repr=False, compare=False
    )
    #: ``paths`` compiled, or ``None`` when the scope does not select by path.
    path_patterns: PathPatterns | None = field(default=None, init=False, repr=False, compare=False)
    #: ``methods`` as a set, or ``None`` when the scope selects every method.
    method_set: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    #: ``tags``, ``hosts`` and ``services`` as sets, ``None`` for a kind the scope does not
    #: select by.
    tag_set: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    host_set: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    service_set: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _selectors.check_name(self.name)
        paths = _selectors.unique(_entries("paths", self.paths))
        methods = _selectors.unique(_selectors.methods(_entries("methods", self.methods)))
        tags = _selectors.unique(_selectors.tags(_entries("tags", self.tags)))
        hosts = _selectors.unique(_selectors.hosts(_entries("hosts", self.hosts)))
        services = _selectors.unique(_selectors.services(_entries("services", self.services)))
        if not (paths or methods or tags or hosts or services):
            raise ValueError(
                "a scope needs at least one selector: paths, methods, tags, hosts or services"
            )
        set_ = object.__setattr__
        set_(self, "path_patterns", PathPatterns(paths, "paths") if paths else None)
        for name, values in zip(
            _selectors.SELECTORS, (paths, methods, tags, hosts, services), strict=True
        ):
            set_(self, name, values)
        set_(self, "method_set", frozenset(methods) or None)
        set_(self, "tag_set", frozenset(tags) or None)
        set_(self, "host_set", frozenset(hosts) or None)
        set_(self, "service_set", frozenset(services) or None)
        # MaintenanceState checks the details, with its messages, and normalises them.
        details = {name: getattr(self, name) for name in (*_DETAILS, *_DETAIL_LISTS)}
        state = MaintenanceState(on=True, **details)
        for name in (*_DETAILS, *_DETAIL_LISTS):
            set_(self, name, getattr(state, name))
        set_(state, "scope_name", self.name)
        set_(self, "state", state)
        size = len(_dump(self.to_dict()).encode("utf-8"))
        if size > MAX_DETAILS_BYTES:
            raise ValueError(
                f"the scope would take {size} bytes in a store; at most "
                f"{MAX_DETAILS_BYTES} are accepted (give fewer or shorter selectors, "
                "allow_ips and allow_paths)"
            )

    def stamped(self, by: str | None = None, at: datetime | None = None) -> MaintenanceScope:
        """The same scope with ``updated_at`` (default: now) and, if given, ``updated_by``."""
        return replace(
            self,
            updated_at=at or datetime.now(timezone.utc),
            updated_by=by if by is not None else self.updated_by,
        )

    def to_dict(self) -> dict[str, Any]:
        """The scope as JSON-ready values: empty lists left out, datetimes in ISO 8601."""
        data: dict[str, Any] = {}
        for f in fields(self):
            if not f.init:
                continue
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                if not value:
                    continue
                value = list(value)
            data[f.name] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaintenanceScope:
        """Read ``to_dict``'s output; unknown keys are ignored (newer writers may add some).

        Raises ``ValueError`` or ``TypeError`` naming the field and what it accepts.
        """
        if not isinstance(data, dict):
            raise TypeError(f"a scope must be a JSON object, got {type(data).__name__}")
        if "name" not in data:
            raise ValueError(f"a scope needs a name; {_selectors.ACCEPTED['name']}")
        # The details read as a state's are, with its messages.
        details = {k: data[k] for k in (*_DETAILS, *_DETAIL_LISTS) if k in data}
        state = MaintenanceState.from_dict({**details, "on": True})
        selectors: dict[str, Any] = {}
        for name in _selectors.SELECTORS:
            raw = data.get(name)
            if raw is not None and not isinstance(raw, list):
                raise TypeError(f"{name} must be a list of strings, got {type(raw).__name__}")
            selectors[name] = tuple(raw or ())
        detail_values = {name: getattr(state, name) for name in (*_DETAILS, *_DETAIL_LISTS)}
        return cls(name=data["name"], **selectors, **detail_values)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _unquoted(reason: str) -> str:
    """An error about a store's document, without the entries the parsers quote."""
    where, colon, rest = reason.partition(": ")
    if colon and where.startswith("scopes["):
        return f"{where}: {_unquoted(rest)}"
    if where == "scopes" and "named" in rest:
        return "scopes holds two scopes of the same name"
    listed = reason.partition(":")[0]
    if listed in _QUOTING_FIELDS:
        return f"{listed} holds an entry that is not accepted; {_selectors.ACCEPTED[listed]}"
    return reason


def _scopes(value: object) -> tuple[MaintenanceScope, ...]:
    """``scopes`` checked: scopes with distinct names, at most ``_selectors.MAX_SCOPES``, sorted."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"scopes must be a list of MaintenanceScope, got {type(value).__name__}")
    for scope in value:
        if not isinstance(scope, MaintenanceScope):
            raise TypeError(
                f"scopes must be a list of MaintenanceScope, got a {type(scope).__name__}"
            )
    if len(value) > _selectors.MAX_SCOPES:
        raise ValueError(
            f"scopes: {len(value)} given; at most {_selectors.MAX_SCOPES} are accepted"
        )
    ordered = tuple(sorted(value, key=lambda scope: scope.name))
    for first, second in itertools.pairwise(ordered):
        if first.name == second.name:
            raise ValueError(
                f"scopes: two scopes are named {first.name!r}; each scope needs its own name"
            )
    return ordered


def _scopes_from(raw: object) -> tuple[MaintenanceScope, ...]:
    """The scopes of ``from_dict``'s input; an error names the scope by its place."""
    if not isinstance(raw, list):
        raise TypeError(f"scopes must be a list of objects, got {type(raw).__name__}")
    scopes = []
    for index, item in enumerate(raw):
        try:
            scopes.append(MaintenanceScope.from_dict(item))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"scopes[{index}]: {exc}") from None
    return tuple(scopes)


def _timestamp(now: datetime | None) -> float:
    if now is None:
        return datetime.now(timezone.utc).timestamp()
    aware = _utc("now", now)
    assert aware is not None
    return aware.timestamp()


#: The two states a driver that stores only on and off can hold; shared, never rebuilt.
ON = MaintenanceState(on=True)
OFF = MaintenanceState()


def state_of(value: bool) -> MaintenanceState:
    """The plain state for a bool, without building a new object."""
    return ON if value else OFF


def window(
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    duration: timedelta | float | None = None,
    now: datetime | None = None,
) -> tuple[datetime | None, datetime | None]:
    """``(starts_at, ends_at)`` from the ways a caller may give them, checked for a write.

    ``duration`` (a ``timedelta`` or seconds) counts from ``starts_at`` when given, else from
    ``now``. Giving both ``duration`` and ``ends_at``, a duration that is not positive, an
    end that is not after the start, or an end already past raises ``ValueError``.
    """
    current = _utc("now", now) or datetime.now(timezone.utc)
    start = _utc("starts_at", starts_at)
    end = _utc("ends_at", ends_at)
    if duration is not None:
        if end is not None:
            raise ValueError("give either duration or ends_at, not both")
        if isinstance(duration, bool) or not isinstance(duration, (int, float, timedelta)):
            raise TypeError(
                f"duration must be a timedelta or a number of seconds, got {duration!r}"
            )
        try:
            span = duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
        except OverflowError:
            raise ValueError(f"duration is out of range, got {duration!r}") from None
        if span <= timedelta(0):
            raise ValueError(f"duration must be positive, got {span}")
        try:
            end = (start or current) + span
        except OverflowError:
            raise ValueError(
                f"ends_at is out of range: {span} after {(start or current).isoformat()} "
                "falls after the year 9999"
            ) from None
    if start is not None and end is not None and end <= start:
        raise ValueError(f"ends_at ({end.isoformat()}) must be after starts_at ({start})")
    if end is not None and end <= current:
        raise ValueError(f"ends_at ({end.isoformat()}) has already passed")
    return start, end
