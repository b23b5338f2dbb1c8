"""What a maintenance scope selects requests by, checked: names, paths, methods, route tags,
hosts and services, with the messages that say what each accepts.

``MaintenanceScope`` (in ``model``) holds them; a selector combines with AND between kinds
and OR within one kind.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCEPTED",
    "HTTP_METHODS",
    "MAX_SCOPES",
    "SELECTORS",
    "check_name",
    "hosts",
    "methods",
    "services",
    "tags",
    "unique",
]

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


def unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def methods(values: tuple[str, ...]) -> tuple[str, ...]:
    methods = []
    for value in values:
        method = value.upper()
        if method not in HTTP_METHODS:
            raise ValueError(f"methods: {value!r} is not an HTTP method; {ACCEPTED['methods']}")
        methods.append(method)
    return tuple(methods)


def tags(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not value or len(value) > MAX_TAG_LENGTH:
            raise ValueError(f"tags: {value!r} is not accepted; {ACCEPTED['tags']}")
    return values


def hosts(values: tuple[str, ...]) -> tuple[str, ...]:
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


def services(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if _NAME.fullmatch(value) is None:
            raise ValueError(f"services: {value!r} is not a service name; {ACCEPTED['services']}")
    return values
