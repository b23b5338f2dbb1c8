"""The client's address behind proxies, and address ranges given as CIDR.

The ASGI ``client`` is the client unless it is a trusted proxy; then the forwarded chain of
the one header the trusted proxies are said to write (``X-Forwarded-For``, or RFC 7239
``Forwarded``; never picked by which is present) is walked from the right, skipping trusted
proxies, at most ``MAX_HOPS`` hops. Anything malformed where an address is needed makes
the client unknown (``None``): never an error.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Iterator
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

__all__ = [
    "DEFAULT_FORWARDED_HEADER",
    "MAX_HOPS",
    "Address",
    "ClientAddresses",
    "ForwardedHeader",
    "Networks",
    "address_of",
    "forwarded_header",
]

_MAX_ADDRESS_LENGTH = 100
#: Addresses whose range is remembered, per list of ranges.
_CACHED_ADDRESSES = 1024

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

_ACCEPTED = "accepted: an address ('203.0.113.7', '2001:db8::1') or a CIDR range ('10.0.0.0/8')"


class Networks:
    """Address ranges (CIDR, IPv4 and IPv6), parsed once with ``ipaddress``."""

    def __init__(self, entries: Iterable[str], option: str) -> None:
        networks: list[Network] = []
        for entry in entries:
            networks.append(_network(entry, option))
        self.networks: tuple[Network, ...] = tuple(networks)
        self._found: dict[Address, Network | None] = {}

    def __bool__(self) -> bool:
        return bool(self.networks)

    def match(self, address: Address) -> Network | None:
        """The first range holding ``address``, or ``None``."""
        try:
            return self._found[address]
        except KeyError:
            pass
        found = next(
            (n for n in self.networks if address.version == n.version and address in n), None
        )
        if len(self._found) >= _CACHED_ADDRESSES:
            self._found.clear()
        self._found[address] = found
        return found


def _network(entry: object, option: str) -> Network:
    if not isinstance(entry, str):
        raise TypeError(f"{option}: expected strings, got {type(entry).__name__}; {_ACCEPTED}")
    text = entry.strip()
    try:
        network = ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ip_network(text, strict=False)
        except ValueError:
            raise ValueError(
                f"{option}: {entry!r} is not an address or a range; {_ACCEPTED}"
            ) from exc
        raise ValueError(
            f"{option}: {entry!r} has host bits set; did you mean {str(loose)!r}? {_ACCEPTED}"
        ) from exc
    if isinstance(network, IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:  # ::ffff:10.0.0.0/104 is 10.0.0.0/8
            return IPv4Network((mapped, network.prefixlen - 96))
    return network


def address_of(text: str) -> Address | None:
    """An address as proxies write it: bare, ``1.2.3.4:port``, ``[v6]`` or ``[v6]:port``.

    IPv4-mapped IPv6 addresses become IPv4. ``None`` for anything else (``unknown``,
    obfuscated identifiers, garbage).
    """
    # Longer than any address with a port and a zone: garbage, and kept out of the cache.
    return None if len(text) > _MAX_ADDRESS_LENGTH else _address_of(text)


@functools.lru_cache(maxsize=1024)
def _address_of(text: str) -> Address | None:
    if text.startswith("["):
        inside, bracket, port = text[1:].partition("]")
        if not bracket or (port and not (port[:1] == ":" and port[1:].isdigit())):
            return None
        text = inside
        if "." in text and ":" not in text:
            return None
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not port.isdigit():
            return None
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


#: How many hops of a forwarded chain are walked at most, from the right. A real chain has a
#: few proxies; a longer one whose hops are all trusted leaves the client unknown.
MAX_HOPS = 16
#: Pairs one ``Forwarded`` element may hold (RFC 7239 defines four); more is malformed.
_MAX_PAIRS = 8
#: How much of the right end of a ``Forwarded`` header is read: room for ``MAX_HOPS``
#: elements of 128 characters, far more than any proxy writes.
_FORWARDED_TAIL = MAX_HOPS * 128
# A ``Forwarded`` pair read backwards, from a string reversed: the value (a quoted string
# without escapes, or RFC 7230 token characters plus ':' '[' ']' that some proxies leave
# unquoted), '=', the name. Each part of it starts with a character the part before cannot
# end with, so a match or a failure costs time linear in what it reads.
_PAIR_REVERSED = re.compile(
    r'[ \t]*(?:(?:"([^"\\]*)"|([!#$%&\'*+.^_`|~0-9A-Za-z:\[\]-]+))[ \t]*)?='
    r"[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*"
)
#: Empty list elements and the blanks around commas, read as one run.
_SEPARATORS = re.compile(r"[ \t,]*")
#: A ';' closing an element (read backwards: opening it), with its blanks.
_TRAILING_SEMICOLON = re.compile(r"[ \t]*;")


class ForwardedHeader(enum.Enum):
    """The header the trusted proxies write the client's address (and scheme) in."""

    X_FORWARDED_FOR = "X-Forwarded-For"  #: with ``X-Forwarded-Proto``
    FORWARDED = "Forwarded"  #: RFC 7239, ``for=`` and ``proto=``


DEFAULT_FORWARDED_HEADER = ForwardedHeader.X_FORWARDED_FOR


def forwarded_header(value: object, option: str) -> ForwardedHeader:
    """The header an option (or its variable) names, whatever its case; refused otherwise."""
    if isinstance(value, str):
        for header in ForwardedHeader:
            if value.strip().lower() == header.value.lower():
                return header
    accepted = " or ".join(repr(header.value) for header in ForwardedHeader)
    raise ValueError(
        f"{option}: {value!r} is not a forwarding header this package reads; accepted: "
        f"{accepted} (the header your trusted proxies write; default "
        f"{DEFAULT_FORWARDED_HEADER.value!r})"
    )


def _forwarded(value: str) -> Iterator[dict[str, str] | None]:
    """The elements of a ``Forwarded`` header from the right, at most ``MAX_HOPS``;
    ``None`` in place of one that does not parse, or of the rest beyond the limit, and then
    nothing more.

    The header is read backwards, and only as far as the caller asks, so what is left of the
    client is never parsed: the cost is that of reversing its right end (what could hold
    ``MAX_HOPS`` elements; a longer header reads as unknown beyond it) plus the elements
    read. Empty
    elements are skipped. A quoted string with a backslash escape does not parse (addresses
    and schemes never need one).
    """
    cut = len(value) > _FORWARDED_TAIL
    if cut:  # only the right end can hold the hops read; what is cut off counts as unknown
        comma = value.find(",", len(value) - _FORWARDED_TAIL)
        value = value[comma + 1 :] if comma >= 0 else ""
    text = value[::-1]
    end = len(text)
    position = _skip(_SEPARATORS, text, 0)
    for _ in range(MAX_HOPS):
        if position >= end:
            if cut:
                yield None
            return
        element: dict[str, str] = {}
        semicolon = _TRAILING_SEMICOLON.match(text, position)
        if semicolon is not None:
            position = semicolon.end()
        for pairs in range(_MAX_PAIRS + 1):
            pair = _PAIR_REVERSED.match(text, position) if pairs < _MAX_PAIRS else None
            if pair is None:
                yield None
                return
            quoted, token, name = pair.groups()
            found = quoted if quoted is not None else token or ""
            element.setdefault(name[::-1].lower(), found[::-1])
            position = pair.end()
            if position < end and text[position] == ";":
                position += 1
            elif position < end and text[position] != ",":
                yield None
                return
            else:
                break
        yield element
        position = _skip(_SEPARATORS, text, position)
    if position < end or cut:
        yield None


def _skip(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Where a pattern that matches the empty string stops matching from ``position``."""
    found = pattern.match(text, position)
    return found.end() if found is not None else position


def _forwarded_for(value: str) -> Iterator[str | None]:
    """The ``for=`` of each element of a ``Forwarded`` header, as ``_forwarded`` gives them."""
    for element in _forwarded(value):
        yield None if element is None else element.get("for")


def _x_forwarded_for(value: str) -> Iterator[str | None]:
    """The entries of ``X-Forwarded-For`` from the right, at most ``MAX_HOPS``; then
    ``None`` if there are more."""
    parts = value.rsplit(",", MAX_HOPS)
    for part in reversed(parts[-MAX_HOPS:]):
        yield part.strip()
    if len(parts) > MAX_HOPS:
        yield None


class ClientAddresses:
    """Finds a request's client address, trusting forwarded headers only from ``trusted``,
    and only the one header they are said to write (``header``): the other is ignored."""

    def __init__(
        self, trusted: Networks, header: ForwardedHeader = DEFAULT_FORWARDED_HEADER
    ) -> None:
        self.trusted = trusted
        self.header = header
        #: Peers that are not trusted proxies, by the host the server gave: they are the client.
        self._direct: dict[object, Address | None] = {}

    def client(self, scope: Any) -> Address | None:
        """The client's address, or ``None`` when it cannot be known."""
        client = scope.get("client")
        host = client[0] if client else None
        try:
            return self._direct[host]
        except (KeyError, TypeError):
            pass
        peer = _peer(scope)
        if peer is None or not self.trusted or self.trusted.match(peer) is None:
            if len(self._direct) >= _CACHED_ADDRESSES:
                self._direct.clear()
            if isinstance(host, str):
                self._direct[host] = peer
            return peer
        rfc7239 = self.header is ForwardedHeader.FORWARDED
        value = _header(scope, b"forwarded" if rfc7239 else b"x-forwarded-for")
        if value is None:
            return peer
        address = peer
        for hop in _forwarded_for(value) if rfc7239 else _x_forwarded_for(value):
            address_or_none = address_of(hop) if hop else None
            if address_or_none is None:
                return None
            address = address_or_none
            if self.trusted.match(address) is None:
                return address
        # Every hop is a trusted proxy: the left-most is the client.
        return address

    def is_https(self, scope: Any) -> bool:
        """Whether the client reached us over HTTPS: the scope's scheme, or what a trusted
        proxy says in the header it writes (``X-Forwarded-Proto`` beside ``X-Forwarded-For``,
        ``Forwarded: proto=``), in its right-most ``MAX_HOPS`` entries."""
        if scope.get("scheme") in ("https", "wss"):
            return True
        peer = _peer(scope)
        if peer is None or not self.trusted or self.trusted.match(peer) is None:
            return False
        if self.header is ForwardedHeader.FORWARDED:
            value = _header(scope, b"forwarded")
            if value is None:
                return False
            for element in _forwarded(value):
                if element is None:
                    return False
                if element.get("proto", "").lower() == "https":
                    return True
            return False
        proto = _header(scope, b"x-forwarded-proto")
        if proto is None:
            return False
        return any(p.strip().lower() == "https" for p in proto.rsplit(",", MAX_HOPS)[-MAX_HOPS:])


def _peer(scope: Any) -> Address | None:
    client = scope.get("client")
    if not client:
        return None
    try:
        return address_of(str(client[0]))
    except Exception:
        return None


def _header(scope: Any, name: bytes) -> str | None:
    """A header's value, repeated lines joined with commas; ``None`` when absent."""
    found = [value for key, value in scope.get("headers", ()) if key == name]
    if not found:
        return None
    return b",".join(found).decode("latin-1")
