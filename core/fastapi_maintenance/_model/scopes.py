"""``MaintenanceScope``: maintenance for the requests its selectors pick, with its own details.

A state holds any number of named scopes besides its global switch. A scope selects requests
by path, method, route tag, host or service (AND between kinds, OR within one kind) and
carries the details a global state carries: a message, a window, read-only, allow-lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any

from .model import MAX_DETAILS_BYTES, MaintenanceState, _entries
from .paths import PathPatterns

__all__ = ["HTTP_METHODS", "MAX_SCOPES", "SELECTORS", "MaintenanceScope"]

#: The most scopes one state holds.
MAX_SCOPES = 100
#: The methods a scope may select.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
#: The selector fields, in the order they are written.
SELECTORS = ("paths", "methods", "tags", "hosts", "services")
#: The longest route tag, and the longest host name (RFC 1035), in characters.
MAX_TAG_LENGTH = 100
MAX_HOST_LENGTH = 253

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HOST_FORBIDDEN = re.compile(r"[\s/\\?#@]|[\x00-\x1f\x7f]")
_DETAILS = ("read_only", "message", "starts_at", "ends_at", "updated_by", "updated_at")
_DETAIL_LISTS = ("allow_ips", "allow_paths")

#: What each field accepts, for messages refusing an entry.
ACCEPTED = {
    "name": "accepted: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
    "paths": "accepted: an exact path such as '/billing', or a prefix such as '/billing/*'",
    "methods": f"accepted: {', '.join(HTTP_METHODS)}",
    "tags": f"accepted: a route tag of 1 to {MAX_TAG_LENGTH} characters",
    "hosts": (
        f"accepted: a host name of at most {MAX_HOST_LENGTH} characters such as "
        "'tenant.example.com', without port, path or spaces"
    ),
    "services": (
        "accepted: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    ),
    "allow_ips": "accepted: addresses ('203.0.113.7', '2001:db8::1') or CIDR ranges ('10.0.0.0/8')",
    "allow_paths": "accepted: exact paths such as '/health', or prefixes such as '/internal/*'",
}


def check_name(value: object, what: str = "name") -> str:
    """A scope or service name, checked: ``ValueError``/``TypeError`` saying what is accepted."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}; {ACCEPTED['name']}")
    if _NAME.fullmatch(value) is None:
        raise ValueError(f"{what}: {value!r} is not accepted; {ACCEPTED['name']}")
    return value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _methods(values: tuple[str, ...]) -> tuple[str, ...]:
    methods = []
    for value in values:
        method = value.upper()
        if method not in HTTP_METHODS:
            raise ValueError(f"methods: {value!r} is not an HTTP method; {ACCEPTED['methods']}")
        methods.append(method)
    return tuple(methods)


def _tags(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value or len(value) > MAX_TAG_LENGTH:
            raise ValueError(f"tags: {value!r} is not accepted; {ACCEPTED['tags']}")
    return values


def _hosts(values: tuple[str, ...]) -> tuple[str, ...]:
    hosts = []
    for value in values:
        host = value.lower()
        bracketed = host.startswith("[") and host.endswith("]")  # an IPv6 address
        if (
            not host
            or len(host) > MAX_HOST_LENGTH
            or _HOST_FORBIDDEN.search(host)
            or (":" in host and not bracketed)
        ):
            raise ValueError(f"hosts: {value!r} is not a host name; {ACCEPTED['hosts']}")
        hosts.append(host)
    return tuple(hosts)


def _services(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if _NAME.fullmatch(value) is None:
            raise ValueError(f"services: {value!r} is not a service name; {ACCEPTED['services']}")
    return values


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
    #: The details as a state that is on, and the selectors compiled, once per scope.
    _state: MaintenanceState = field(
        default=MaintenanceState(), init=False, repr=False, compare=False
    )
    _paths: PathPatterns | None = field(default=None, init=False, repr=False, compare=False)
    _methods: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _tags: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _hosts: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _services: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_name(self.name)
        paths = _unique(_entries("paths", self.paths))
        methods = _unique(_methods(_entries("methods", self.methods)))
        tags = _unique(_tags(_entries("tags", self.tags)))
        hosts = _unique(_hosts(_entries("hosts", self.hosts)))
        services = _unique(_services(_entries("services", self.services)))
        if not (paths or methods or tags or hosts or services):
            raise ValueError(
                "a scope needs at least one selector: paths, methods, tags, hosts or services"
            )
        set_ = object.__setattr__
        set_(self, "_paths", PathPatterns(paths, "paths") if paths else None)
        for name, values in zip(SELECTORS, (paths, methods, tags, hosts, services), strict=True):
            set_(self, name, values)
        set_(self, "_methods", frozenset(methods) or None)
        set_(self, "_tags", frozenset(tags) or None)
        set_(self, "_hosts", frozenset(hosts) or None)
        set_(self, "_services", frozenset(services) or None)
        # MaintenanceState checks the details, with its messages, and normalises them.
        details = {name: getattr(self, name) for name in (*_DETAILS, *_DETAIL_LISTS)}
        state = MaintenanceState(on=True, **details)
        for name in (*_DETAILS, *_DETAIL_LISTS):
            set_(self, name, getattr(state, name))
        set_(self, "_state", state)
        size = len(_dump(self.to_dict()).encode("utf-8"))
        if size > MAX_DETAILS_BYTES:
            raise ValueError(
                f"the scope would take {size} bytes in a store; at most "
                f"{MAX_DETAILS_BYTES} are accepted (give fewer or shorter selectors, "
                "allow_ips and allow_paths)"
            )

    @property
    def state(self) -> MaintenanceState:
        """The scope's details as a state that is on: its window, message, read-only and
        allow-lists, read as a global state's are."""
        return self._state

    @property
    def path_patterns(self) -> PathPatterns | None:
        """``paths`` compiled (once per scope), or ``None`` when the scope does not select
        by path."""
        return self._paths

    @property
    def method_set(self) -> frozenset[str] | None:
        """``methods`` as a set, or ``None`` when the scope selects every method."""
        return self._methods

    @property
    def tag_set(self) -> frozenset[str] | None:
        """``tags`` as a set, or ``None`` when the scope does not select by tag."""
        return self._tags

    @property
    def host_set(self) -> frozenset[str] | None:
        """``hosts`` as a set, or ``None`` when the scope does not select by host."""
        return self._hosts

    @property
    def service_set(self) -> frozenset[str] | None:
        """``services`` as a set, or ``None`` when the scope does not select by service."""
        return self._services

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
            raise ValueError(f"a scope needs a name; {ACCEPTED['name']}")
        # The details read as a state's are, with its messages.
        details = {k: data[k] for k in (*_DETAILS, *_DETAIL_LISTS) if k in data}
        state = MaintenanceState.from_dict({**details, "on": True})
        selectors: dict[str, Any] = {}
        for name in SELECTORS:
            raw = data.get(name)
            if raw is not None and not isinstance(raw, list):
                raise TypeError(f"{name} must be a list of strings, got {type(raw).__name__}")
            selectors[name] = tuple(raw or ())
        detail_values = {name: getattr(state, name) for name in (*_DETAILS, *_DETAIL_LISTS)}
        return cls(name=data["name"], **selectors, **detail_values)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
